"""Bank statements: reading camt.053 and MT940 files, writing camt.053.

The city's account statements (*Kontoauszüge*) tell the cash office (*Stadtkasse*) which
payments arrived. Banks deliver them as ISO 20022 camt.053 XML or as SWIFT MT940 text; both are
read into the same ``Statement`` model (``model.py``), with amounts in integer cents. This
package only parses and writes: no database, no Flask. ``parse_statement_file`` picks the format
by content (``stream_statement_file`` hands the statements on as they are read);
``write_camt053`` produces camt.053 files for demo data and tests.
"""

from server.payments.statements.camt053 import parse_camt053, stream_camt053
from server.payments.statements.camt053_writer import write_camt053
from server.payments.statements.detect import parse_statement_file, stream_statement_file
from server.payments.statements.model import (
    Entry,
    Statement,
    StatementError,
    StatementStream,
    TransactionDetail,
)
from server.payments.statements.mt940 import parse_mt940

__all__ = [
    "Entry",
    "Statement",
    "StatementError",
    "StatementStream",
    "TransactionDetail",
    "parse_camt053",
    "parse_mt940",
    "parse_statement_file",
    "stream_camt053",
    "stream_statement_file",
    "write_camt053",
]

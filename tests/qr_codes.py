"""Reading QR codes as a phone's camera app does: QR codes only.

zxing-cpp looks for every symbology by default, and in a QR code of random content its
Interleaved 2 of 5 reader now and then finds a short "barcode" among the modules (about one
image in 400 for a wallet link); a camera pointed at a QR code is not asked for that."""

from __future__ import annotations

import zxingcpp
from PIL.Image import Image

#: A camera app's QR scanner: the QR family (Model 1 and 2, Micro QR, rMQR) and nothing else.
QR_CODES = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def read_qr_codes(image: Image) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(image, formats=QR_CODES))

"""Login with the EU Digital Identity Wallet: the portal as an OpenID4VP 1.0 verifier.

The portal asks the citizen's wallet for the PID (person identification data) with a signed
request object fetched by reference (``request_uri``), identifies itself by its X.509
certificate (client id prefix ``x509_san_dns`` or ``x509_hash``), and takes the answer posted
to its response URI (``direct_post``, or encrypted: ``direct_post.jwt``). The PID comes as
SD-JWT VC or ISO mdoc; either is checked against the configured issuer trust anchors and must
be bound to this transaction by the holder's key. The result is a ``VerifiedPerson`` at trust
level high.

Modules, each with one job:

- ``settings``: the ``WALLET_*`` settings, parsed and checked once at start.
- ``models``: ``WalletTransaction``, one row per login (nonce, state, expiry, single use).
- ``transactions``: the steps of a login (start, request object, answer, progress, finish).
- ``request_object``, ``dcql``: what the wallet is asked, signed.
- ``encryption``: the ephemeral key per transaction and the encrypted answer.
- ``presentation``, ``sd_jwt_vc``, ``mdoc``, ``handover``, ``trust``: the checks of an answer.
- ``person``, ``errors``: the result, and the reasons of a failure.
"""

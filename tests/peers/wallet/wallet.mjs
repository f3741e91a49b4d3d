// Test peer for the portal's EUDI wallet login: Credo (OpenWallet Foundation) as the development
// PID issuer and as the citizen's wallet, in one Node process, driven over a small control API.
// README.md in this directory documents the API; fixtures.py starts this process for pytest.
//
// Usage: LIB_ASKAR_PATH=<dir of libaries_askar.so> node wallet.mjs CONFIG.json
//
// CONFIG.json:
//   {
//     "port": 0,                 // TCP port on 127.0.0.1 (0: any free port)
//     "listen_fd": 3,            // optional instead of "port": an inherited listening socket
//     "base_url": "http://localhost:N", // how this process is reached (the issuer's URL, the
//                                // smoke verifier's client id and response_uri host)
//     "data_dir": "/tmp/...",    // Credo's working directory (the stores are in memory)
//     "log_level": "warn",       // Credo's log level (to stderr)
//     "smoke_verifier": false,   // true: also a throwaway Credo verifier under /verifier
//     "exit_on_stdin_close": true
//   }
//
// Prints exactly one line "READY <base_url>" to stdout once listening; everything else goes to
// stderr. Exits with status 0 on SIGTERM/SIGINT.

import { readFileSync } from 'node:fs';

import express from 'express';

import { setBaseDirectory } from './agent.mjs';
import { Holder, PresentationError } from './holder.mjs';
import { PidIssuer, configurationIdFor } from './issuer.mjs';
import { validatePerson } from './pid.mjs';
import { SmokeVerifier } from './verifier.mjs';

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node wallet.mjs CONFIG.json\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const baseUrl = config.base_url.replace(/\/$/, '');
const logLevel = config.log_level ?? 'warn';
setBaseDirectory(config.data_dir);

const app = express();
app.disable('x-powered-by');

const issuer = await PidIssuer.start({ app, baseUrl, logLevel });
const holder = await Holder.start({ issuerRoots: issuer.roots, logLevel });
const verifier = config.smoke_verifier
  ? await SmokeVerifier.start({ app, baseUrl, issuerRoot: issuer.chains.trusted.root, logLevel })
  : null;

class BadRequest extends Error {
  constructor(message) {
    super(message);
    this.status = 400;
  }
}

function option(body, name, type) {
  const value = body[name];
  if (value !== undefined && typeof value !== type) throw new BadRequest(`${name} must be a ${type}`);
  return value;
}

const control = express.Router();
control.use(express.json({ limit: '1mb' }));

control.get('/healthz', (req, res) => res.json({ ok: true }));

// The issuer roots as PEM: "trusted" is the trust anchor a verifier configures; "untrusted"
// signs the PIDs issued with untrusted: true.
control.get('/trust-anchor', (req, res) => {
  res.type('application/x-pem-file').send(issuer.chains.trusted.root.toString('pem'));
});
control.get('/trust-anchors', (req, res) => {
  res.json({
    trusted: issuer.chains.trusted.root.toString('pem'),
    untrusted: issuer.chains.untrusted.root.toString('pem'),
    issuer_url: issuer.issuerUrl,
  });
});

// Issue a PID of `person` to the wallet: {format: "dc+sd-jwt"|"mso_mdoc", person, vct?,
// expired?, untrusted?} -> the stored credential.
control.post('/issue', async (req, res) => {
  const body = req.body ?? {};
  const format = option(body, 'format', 'string');
  const vct = option(body, 'vct', 'string');
  const expired = option(body, 'expired', 'boolean') ?? false;
  const untrusted = option(body, 'untrusted', 'boolean') ?? false;
  let configurationId;
  try {
    configurationId = configurationIdFor({ format, vct });
    validatePerson(body.person);
  } catch (error) {
    throw new BadRequest(error.message);
  }
  const person = body.person;
  if (expired) {
    const holderKey = await holder.newBindingKey();
    const signed = await issuer.signDirectly({
      format, vct: vct ?? 'urn:eudi:pid:de:1', person, untrusted, holderKey,
    });
    const stored = await holder.storeSigned(format, signed, holderKey);
    res.status(201).json({ ...stored, via: 'direct' });
    return;
  }
  const { credentialOffer } = await issuer.createOffer({ configurationId, person, untrusted });
  const [stored] = await holder.receive(credentialOffer);
  res.status(201).json({ ...stored, via: 'openid4vci', credential_offer: credentialOffer });
});

// A credential offer only (for a wallet elsewhere): {format, person, vct?, untrusted?}.
control.post('/offers', async (req, res) => {
  const body = req.body ?? {};
  let configurationId;
  try {
    configurationId = configurationIdFor({ format: body.format, vct: body.vct });
    validatePerson(body.person);
  } catch (error) {
    throw new BadRequest(error.message);
  }
  const offer = await issuer.createOffer({
    configurationId, person: body.person, untrusted: option(body, 'untrusted', 'boolean') ?? false,
  });
  res.status(201).json({ credential_offer: offer.credentialOffer });
});

control.get('/credentials', async (req, res) => res.json(await holder.credentials()));
control.delete('/credentials', async (req, res) => {
  await holder.deleteAll();
  res.status(204).end();
});

// Answer an authorization request: {url, trusted_certificates: [PEM...], credential_id?,
// submit? (default true), refuse? (default false)}.
control.post('/present', async (req, res) => {
  const body = req.body ?? {};
  const url = option(body, 'url', 'string');
  if (!url) throw new BadRequest('url is required');
  const trusted = body.trusted_certificates;
  if (trusted !== undefined && !(Array.isArray(trusted) && trusted.every((c) => typeof c === 'string'))) {
    throw new BadRequest('trusted_certificates must be a list of PEM strings');
  }
  const result = await holder.present({
    url,
    trustedCertificates: trusted,
    credentialId: option(body, 'credential_id', 'string'),
    submit: option(body, 'submit', 'boolean') ?? true,
    refuse: option(body, 'refuse', 'boolean') ?? false,
  });
  res.json(result);
});

if (verifier) {
  control.get('/verifier/certificate', (req, res) => {
    res.type('application/x-pem-file').send(verifier.certificate.toString('pem'));
  });
  control.post('/verifier/requests', async (req, res) => {
    const body = req.body ?? {};
    res.status(201).json(await verifier.createRequest({
      format: option(body, 'format', 'string'),
      responseMode: option(body, 'response_mode', 'string'),
      clientIdPrefix: option(body, 'client_id_prefix', 'string'),
    }));
  });
  control.get('/verifier/requests/:id', async (req, res) => res.json(await verifier.result(req.params.id)));
}

control.use((error, req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const status = error instanceof BadRequest || error instanceof PresentationError ? error.status : 500;
  if (status === 500) process.stderr.write(`control API error: ${error?.stack ?? error}\n`);
  res.status(status).json({ error: error?.message ?? String(error) });
});

app.use('/control', control);

const listenTarget = config.listen_fd !== undefined
  ? { fd: config.listen_fd }
  : { port: config.port ?? 0, host: '127.0.0.1' };
const server = app.listen(listenTarget, () => {
  process.stdout.write(`READY ${baseUrl}\n`);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 3000).unref();
  server.close();
  server.closeAllConnections();
  for (const agent of [verifier?.agent, holder.agent, issuer.agent]) {
    if (agent) await agent.shutdown().catch(() => {});
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (config.exit_on_stdin_close) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

// Test peer for the portal's eID login: a real OpenID Provider (panva/oidc-provider, certified).
//
// Usage: node provider.mjs CONFIG.json
//
// CONFIG.json:
//   {
//     "port": 0,                      // TCP port on 127.0.0.1 (0: any free port)
//     "listen_fd": 3,                 // optional instead of "port": an inherited listening socket
//     "issuer": "http://127.0.0.1:N", // may be the URL of a reverse proxy in front of this process
//     "clients": [{"client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris",
//                  "token_endpoint_auth_method"?, "x_id_token_ttl_seconds"?,
//                  "x_pkce_required"?, "x_accounts"?}],
//     "accounts": {"<sub>": {"acr": "urn:eid:high", "given_name": ..., ...}},
//     "acr_values": ["urn:eid:low", "urn:eid:substantial", "urn:eid:high"],
//     "id_token_ttl_seconds": 3600,
//     "pkce_required": true,
//     "registration_token": "...",    // optional: enables dynamic client registration (RFC 7591)
//                                     // at /reg, guarded by this initial access token
//     "jwks": {"keys": [...]},        // optional private signing keys; default: a fresh RS256 key
//     "exit_on_stdin_close": true     // optional: exit when the parent closes our stdin
//   }
//
// Per-client settings (extra client metadata, also accepted at /reg):
//   x_accounts             the accounts this client sees (instead of the global ones)
//   x_id_token_ttl_seconds lifetime of this client's ID tokens
//   x_pkce_required        whether this client must send a PKCE S256 code_challenge
//
// Prints exactly one line "READY <issuer>" to stdout once listening; everything else goes to
// stderr. Exits with status 0 on SIGTERM/SIGINT.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node provider.mjs CONFIG.json\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));

const ACR_VALUES = config.acr_values ?? ['urn:eid:low', 'urn:eid:substantial', 'urn:eid:high'];
const DEFAULT_ID_TOKEN_TTL = config.id_token_ttl_seconds ?? 3600;
const DEFAULT_PKCE_REQUIRED = config.pkce_required ?? true;
const GLOBAL_ACCOUNTS = config.accounts ?? {};
// Claims that are not user claims but steer the peer.
const CONTROL_CLAIMS = new Set(['acr', 'amr']);

function signingKeys() {
  if (config.jwks) return config.jwks;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: `peer-${randomUUID()}`, alg: 'RS256', use: 'sig' }] };
}

// A client that brings its own accounts sees only those (tests choose exactly who exists).
function accountsFor(client) {
  return client?.x_accounts ?? GLOBAL_ACCOUNTS;
}

function lookupAccount(client, accountId) {
  const accounts = accountsFor(client);
  if (typeof accountId !== 'string' || !Object.hasOwn(accounts, accountId)) return undefined;
  return accounts[accountId];
}

function userClaims(accountId, account) {
  const claims = { sub: accountId };
  for (const [name, value] of Object.entries(account)) {
    if (!CONTROL_CLAIMS.has(name)) claims[name] = value;
  }
  return claims;
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

// Minimal pages: no external resources, so a sandboxed browser makes no outside requests.
function page(title, body) {
  return `<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

const provider = new Provider(config.issuer, {
  clients: config.clients ?? [],
  jwks: signingKeys(),
  cookies: {
    keys: [randomBytes(32).toString('base64url')],
    // Own names, so they cannot collide with the portal's cookies on the same host (127.0.0.1
    // cookies are shared by all ports).
    names: {
      session: 'op_session',
      interaction: 'op_interaction',
      resume: 'op_interaction_resume',
    },
  },
  acrValues: ACR_VALUES,
  scopes: ['openid', 'profile', 'email', 'address'],
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'birthdate'],
    email: ['email', 'email_verified'],
    address: ['address'],
  },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  responseTypes: ['code'],
  clientDefaults: {
    // oidc-provider puts acr into the ID token only when it is requested (acr_values or a
    // client's default_acr_values): an eID provider always states the level of assurance.
    default_acr_values: ACR_VALUES,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  extraClientMetadata: {
    properties: ['x_accounts', 'x_id_token_ttl_seconds', 'x_pkce_required'],
    validator(ctx, key, value) {
      if (value === undefined) return;
      if (key === 'x_accounts' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
        throw new TypeError('x_accounts must be an object of accounts');
      }
      if (key === 'x_id_token_ttl_seconds' && !(Number.isInteger(value) && value > 0)) {
        throw new TypeError('x_id_token_ttl_seconds must be a positive integer');
      }
      if (key === 'x_pkce_required' && typeof value !== 'boolean') {
        throw new TypeError('x_pkce_required must be a boolean');
      }
    },
  },
  // Authorization code flow with PKCE; oidc-provider 9 only implements S256 (plain is gone).
  pkce: {
    required: (ctx, client) => client.x_pkce_required ?? DEFAULT_PKCE_REQUIRED,
  },
  conformIdTokenClaims: true,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: (ctx, token, client) => client?.x_id_token_ttl_seconds ?? DEFAULT_ID_TOKEN_TTL,
    Interaction: 600,
    Session: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    // RFC 9207 "iss" in the authorization response is always on in oidc-provider 9
    // (the former issAuthResp feature); discovery says
    // authorization_response_iss_parameter_supported: true.
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.type = 'html';
        ctx.body = page('Abmelden', `${form}
<p>Möchten Sie sich beim Test-Identitätsanbieter abmelden?</p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">Abmelden</button>
<button type="submit" form="op.logoutForm">Angemeldet bleiben</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.type = 'html';
        ctx.body = page('Abgemeldet', '<p>Sie sind abgemeldet.</p>');
      },
    },
    registration: config.registration_token
      ? {
        enabled: true,
        initialAccessToken: config.registration_token,
        issueRegistrationAccessToken: false,
      }
      : { enabled: false },
    revocation: { enabled: false },
    userinfo: { enabled: true },
    // Not part of the eID profile: keep the peer's surface small.
    pushedAuthorizationRequests: { enabled: false },
    dPoP: { enabled: false },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  async findAccount(ctx, sub) {
    const account = lookupAccount(ctx.oidc.client, sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      // oidc-provider filters these by the granted scopes/claims.
      async claims() {
        return userClaims(sub, account);
      },
    };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    const rows = Object.entries(out)
      .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: <span class="${escapeHtml(key)}">${escapeHtml(value)}</span></p>`)
      .join('\n');
    ctx.body = page('Fehler beim Identitätsanbieter', rows);
  },
});

// ---------------------------------------------------------------------------------------------
// Interaction UI: a login form (no consent page: consent is granted automatically).

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(html);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginForm(uid, { accountId = '', error = '' } = {}) {
  const alert = error ? `<p role="alert">${escapeHtml(error)}</p>\n` : '';
  return page('Anmeldung mit dem Online-Ausweis (Test)', `${alert}<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="account">Testperson</label>
<input id="account" name="account" type="text" autocomplete="off" value="${escapeHtml(accountId)}" required>
<button type="submit">Anmelden</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit">Abbrechen</button>
</form>`);
}

async function grantConsent(req, res, details) {
  const { prompt: { details: missing }, params, session } = details;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  } else {
    grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  }
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  const consent = details.grantId ? {} : { grantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function handleInteraction(req, res, url) {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/(login|abort))?$/.exec(url.pathname);
  if (!match) return false;
  const [, uid, , action] = match;
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, page('Fehler', '<p>Die Anmeldung passt nicht zu dieser Sitzung.</p>'));
    return true;
  }
  const client = await provider.Client.find(details.params.client_id);

  if (req.method === 'GET' && !action) {
    if (details.prompt.name === 'login') {
      send(res, 200, loginForm(uid, { accountId: details.params.login_hint ?? '' }));
    } else if (details.prompt.name === 'consent') {
      await grantConsent(req, res, details);
    } else {
      send(res, 400, page('Fehler', `<p>Unbekannter Schritt ${escapeHtml(details.prompt.name)}.</p>`));
    }
    return true;
  }

  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const accountId = (form.get('account') ?? '').trim();
    const account = lookupAccount(client, accountId);
    if (!account) {
      send(res, 400, loginForm(uid, { accountId, error: `Unbekannte Testperson: ${accountId}` }));
      return true;
    }
    const login = { accountId, remember: false };
    // The eID's level of assurance: oidc-provider takes acr (and amr) from the login result.
    if (account.acr) login.acr = account.acr;
    if (account.amr) login.amr = account.amr;
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return true;
  }

  if (req.method === 'POST' && action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'Die Anmeldung wurde abgebrochen.',
    }, { mergeWithLastSubmission: false });
    return true;
  }

  res.statusCode = 405;
  res.end();
  return true;
}

const oidcCallback = provider.callback();

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://peer.invalid');
  if (url.pathname.startsWith('/interaction/')) {
    try {
      if (await handleInteraction(req, res, url)) return;
    } catch (error) {
      process.stderr.write(`interaction failed: ${error?.stack ?? error}\n`);
      if (!res.headersSent) {
        send(res, 400, page('Fehler', `<p>${escapeHtml(error?.message ?? error)}</p>`));
      }
      return;
    }
  }
  oidcCallback(req, res);
});

provider.on('server_error', (ctx, error) => {
  process.stderr.write(`server_error: ${error?.stack ?? error}\n`);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (config.exit_on_stdin_close) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

const listenTarget = config.listen_fd !== undefined
  ? { fd: config.listen_fd }
  : { port: config.port ?? 0, host: '127.0.0.1' };
server.listen(listenTarget, () => {
  process.stdout.write(`READY ${config.issuer}\n`);
});

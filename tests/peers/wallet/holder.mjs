// The citizen's wallet: Credo's OpenID4VC holder. It receives PIDs from the development issuer
// over OpenID4VCI (pre-authorized code flow) and answers a verifier's OpenID4VP 1.0
// authorization request (request object by reference, signed with x5c; DCQL; direct_post or
// direct_post.jwt).

import { AsyncLocalStorage } from 'node:async_hooks';

import { Kms, MdocRecord, SdJwtVcRecord } from '@credo-ts/core';
import { OpenId4VcModule } from '@credo-ts/openid4vc';

import { startAgent } from './agent.mjs';

// Set while a presentation is answered without submitting it (submit: false): the holder's
// POST to the verifier's response_uri is kept here instead of sent.
const capture = new AsyncLocalStorage();

async function capturingFetch(input, init) {
  const held = capture.getStore();
  const method = (init?.method ?? 'GET').toUpperCase();
  const url = input instanceof Request ? input.url : String(input);
  if (held && method === 'POST' && url === held.responseUri) {
    held.body = String(init.body);
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
  }
  return fetch(input, init);
}

export class PresentationError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

export class Holder {
  static async start({ issuerRoots, logLevel }) {
    const holder = new Holder();
    holder.agent = await startAgent({
      name: 'wallet-holder',
      logLevel,
      fetch: capturingFetch,
      modules: { openid4vc: new OpenId4VcModule() },
    });
    // To check what the issuer sends (both roots: which issuer a verifier trusts is its own
    // decision). A verifier's request is checked against the certificates given per request.
    holder.agent.x509.config.setTrustedCertificates(issuerRoots.map((root) => root.toString('pem')));
    return holder;
  }

  // The holder's device key for one credential: P-256 in the wallet's KMS.
  async newBindingKey() {
    const key = await this.agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } });
    return Kms.PublicJwk.fromPublicJwk(key.publicJwk);
  }

  /** Accept a credential offer (pre-authorized code flow) and store what is issued. */
  async receive(credentialOffer) {
    const openid4vc = this.agent.openid4vc.holder;
    const resolvedCredentialOffer = await openid4vc.resolveCredentialOffer(credentialOffer);
    const token = await openid4vc.requestToken({ resolvedCredentialOffer });
    const { credentials } = await openid4vc.requestCredentials({
      resolvedCredentialOffer,
      ...token,
      credentialBindingResolver: async ({ supportsJwk }) => {
        if (!supportsJwk) throw new Error('The issuer does not bind to a JWK');
        return { method: 'jwk', keys: [await this.newBindingKey()] };
      },
    });
    const stored = [];
    for (const { record } of credentials) {
      stored.push(await this.store(record));
    }
    return stored;
  }

  /** Store a credential signed outside OpenID4VCI (an expired PID) for `holderKey`. */
  async storeSigned(format, signed, holderKey) {
    // What OpenID4VCI would have recorded: which KMS key signs the key binding.
    if (format === 'mso_mdoc') {
      signed.deviceKeyId = holderKey.keyId;
      return this.store(MdocRecord.fromMdoc(signed));
    }
    signed.kmsKeyId = holderKey.keyId;
    return this.store(SdJwtVcRecord.fromSdJwtVc(signed));
  }

  async store(record) {
    if (record instanceof MdocRecord) {
      await this.agent.mdoc.store({ record });
    } else if (record instanceof SdJwtVcRecord) {
      await this.agent.sdJwtVc.store({ record });
    } else {
      throw new Error(`Unexpected credential record ${record?.constructor?.name}`);
    }
    return describe(record);
  }

  async credentials() {
    const sdJwts = await this.agent.sdJwtVc.getAll();
    const mdocs = await this.agent.mdoc.getAll();
    return [...sdJwts, ...mdocs].map(describe);
  }

  async deleteAll() {
    for (const record of await this.agent.sdJwtVc.getAll()) await this.agent.sdJwtVc.deleteById(record.id);
    for (const record of await this.agent.mdoc.getAll()) await this.agent.mdoc.deleteById(record.id);
  }

  /**
   * Resolve an openid4vp:// authorization request and answer it.
   *
   * @param {object} options
   * @param {string} options.url  the request as the portal shows it (link or QR code content)
   * @param {string[]} options.trustedCertificates  PEM certificates the request's signer (its
   *   x5c chain) must lead to; without them the request is refused as untrusted
   * @param {string} [options.credentialId]  answer with this stored credential (else Credo's
   *   choice among the matching ones)
   * @param {boolean} [options.submit]  false: build the response but do not send it
   * @param {boolean} [options.refuse]  send access_denied instead ("the citizen says no")
   */
  async present({ url, trustedCertificates, credentialId, submit = true, refuse = false }) {
    if (!Array.isArray(trustedCertificates) || trustedCertificates.length === 0) {
      throw new PresentationError('trusted_certificates: the verifier certificates (PEM) to trust are required');
    }
    const openid4vc = this.agent.openid4vc.holder;
    let resolved;
    try {
      resolved = await openid4vc.resolveOpenId4VpAuthorizationRequest(url, { trustedCertificates });
    } catch (error) {
      throw new PresentationError(`the wallet refuses the request: ${error.message}`, 422);
    }
    const request = resolved.authorizationRequestPayload;
    const verifier = {
      client_id: request.client_id,
      client_id_prefix: resolved.verifier.clientIdPrefix,
      effective_client_id: resolved.verifier.effectiveClientId,
      response_mode: request.response_mode,
      response_uri: request.response_uri,
      nonce: request.nonce,
      state: request.state,
      dcql_query: request.dcql_query,
    };
    if (refuse) return { verifier, ...(await refuseRequest(request)) };

    const queryResult = resolved.dcql?.queryResult;
    if (!queryResult) throw new PresentationError('the request has no DCQL query');
    const credentials = selectCredentials(openid4vc, queryResult, credentialId);

    const held = { responseUri: request.response_uri };
    const run = () => openid4vc.acceptOpenId4VpAuthorizationRequest({
      authorizationRequestPayload: request,
      dcql: { credentials },
    });
    const result = submit ? await run() : await capture.run(held, run);
    return {
      verifier,
      submitted: submit,
      ok: result.ok,
      status: submit ? result.serverResponse?.status : null,
      body: submit ? result.serverResponse?.body : null,
      redirect_uri: submit ? result.redirectUri ?? null : null,
      // What the verifier got (or would have got): {vp_token, state} for direct_post,
      // {response: <JWE>} for direct_post.jwt; and the plain payload inside.
      authorization_response: result.authorizationResponse,
      authorization_response_payload: result.authorizationResponsePayload,
      ...(submit ? {} : { form_body: held.body ?? null }),
    };
  }
}

function selectCredentials(openid4vc, queryResult, credentialId) {
  if (credentialId === undefined) {
    if (!queryResult.can_be_satisfied) {
      throw new PresentationError('no stored credential matches the request', 409);
    }
    return openid4vc.selectCredentialsForDcqlRequest(queryResult);
  }
  // The one credential the test chose: the first credential query it matches.
  for (const [queryId, match] of Object.entries(queryResult.credential_matches)) {
    const found = (match.valid_credentials ?? []).find((entry) => entry.record.id === credentialId);
    if (found) {
      return openid4vc.selectCredentialsForDcqlRequest(
        { ...queryResult, credential_matches: { ...queryResult.credential_matches, [queryId]: { ...match, valid_credentials: [found] } } },
      );
    }
  }
  throw new PresentationError(`credential ${credentialId} does not match the request`, 409);
}

// Credo has no API for an error response: the wallet posts OpenID4VP's error response itself,
// as a form to the response_uri (in both response modes: it carries nothing to protect).
async function refuseRequest(request) {
  const form = new URLSearchParams({
    error: 'access_denied',
    error_description: 'The user declined the presentation',
  });
  if (request.state) form.set('state', request.state);
  const response = await fetch(request.response_uri, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const text = await response.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return {
    submitted: true,
    refused: true,
    ok: response.ok,
    status: response.status,
    body,
    redirect_uri: typeof body === 'object' && body ? body.redirect_uri ?? null : null,
    authorization_response: Object.fromEntries(form),
  };
}

function describe(record) {
  if (record instanceof MdocRecord) {
    const mdoc = record.firstCredential;
    return {
      id: record.id,
      format: 'mso_mdoc',
      doctype: mdoc.docType,
      claims: JSON.parse(JSON.stringify(mdoc.issuerSignedNamespaces)),
      valid_until: mdoc.validityInfo.validUntil?.toISOString?.() ?? null,
      issuer_certificate: mdoc.issuerSignedCertificateChain?.[0]
        ? Buffer.from(mdoc.issuerSignedCertificateChain[0]).toString('base64') : null,
    };
  }
  const sdJwt = record.firstCredential;
  return {
    id: record.id,
    format: 'dc+sd-jwt',
    vct: sdJwt.payload.vct,
    claims: sdJwt.prettyClaims,
    valid_until: typeof sdJwt.payload.exp === 'number' ? new Date(sdJwt.payload.exp * 1000).toISOString() : null,
    compact: sdJwt.compact,
  };
}

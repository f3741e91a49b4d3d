// A throwaway OpenID4VP 1.0 verifier (Credo's OpenId4VcVerifier), only for the peer's own smoke
// test: it proves the holder answers a real verifier end to end. The portal's verifier is the
// portal's own Python code; it does not use this.

import { OpenId4VcModule } from '@credo-ts/openid4vc';

import { startAgent } from './agent.mjs';
import { createVerifierCertificate } from './certificates.mjs';
import { PID_DOCTYPE, PID_NAMESPACE, PID_VCTS } from './pid.mjs';

const QUERY_ID = 'pid';

// What the portal asks for: name, date of birth, address.
export function pidQuery(format) {
  if (format === 'mso_mdoc') {
    const claims = ['given_name', 'family_name', 'birth_date', 'resident_street', 'resident_postal_code', 'resident_city'];
    return {
      credentials: [{
        id: QUERY_ID,
        format: 'mso_mdoc',
        meta: { doctype_value: PID_DOCTYPE },
        claims: claims.map((name) => ({ path: [PID_NAMESPACE, name], intent_to_retain: false })),
      }],
    };
  }
  const paths = [['given_name'], ['family_name'], ['birthdate'], ['address', 'street_address'], ['address', 'postal_code'], ['address', 'locality']];
  return {
    credentials: [{
      id: QUERY_ID,
      format: 'dc+sd-jwt',
      meta: { vct_values: PID_VCTS },
      claims: paths.map((path) => ({ path })),
    }],
  };
}

export class SmokeVerifier {
  static async start({ app, baseUrl, issuerRoot, logLevel }) {
    const verifier = new SmokeVerifier();
    verifier.agent = await startAgent({
      name: 'smoke-verifier',
      logLevel,
      modules: {
        openid4vc: new OpenId4VcModule({ app, verifier: { baseUrl: `${baseUrl}/oid4vp` } }),
      },
    });
    // x509_san_dns: the certificate's DNS name is the client id, and the response_uri's host.
    verifier.certificate = await createVerifierCertificate(verifier.agent, {
      dnsName: new URL(baseUrl).hostname,
    });
    verifier.agent.x509.config.setTrustedCertificates([issuerRoot.toString('pem')]);
    verifier.record = await verifier.agent.openid4vc.verifier.createVerifier({
      clientMetadata: { client_name: 'Wallet-Peer Smoke Test' },
    });
    return verifier;
  }

  async createRequest({ format = 'dc+sd-jwt', responseMode = 'direct_post.jwt', clientIdPrefix = 'x509_san_dns' }) {
    const { authorizationRequest, verificationSession } = await this.agent.openid4vc.verifier.createAuthorizationRequest({
      verifierId: this.record.verifierId,
      requestSigner: { method: 'x5c', x5c: [this.certificate], clientIdPrefix },
      dcql: { query: pidQuery(format) },
      responseMode,
      version: 'v1',
    });
    return { authorization_request: authorizationRequest, session_id: verificationSession.id };
  }

  async result(sessionId) {
    const session = await this.agent.openid4vc.verifier.getVerificationSessionById(sessionId);
    const result = { state: session.state, error: session.errorMessage ?? null, claims: null };
    if (session.state === 'ResponseVerified') {
      const { dcql } = await this.agent.openid4vc.verifier.getVerifiedAuthorizationResponse(sessionId);
      const [presentation] = dcql.presentations[QUERY_ID];
      result.claims = presentation.prettyClaims
        ?? JSON.parse(JSON.stringify(presentation.documents?.[0]?.issuerSignedNamespaces ?? null));
    }
    return result;
  }
}

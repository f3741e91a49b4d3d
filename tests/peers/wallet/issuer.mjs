// The development PID issuer: Credo's OpenID4VCI issuer, pre-authorized code flow, signing with
// an X.509 chain of its own (certificates.mjs). A second chain, the "untrusted" one, signs the
// same PIDs for the negative tests (a verifier trusting only the first root must refuse them).

import { ClaimFormat, Kms } from '@credo-ts/core';
import { OpenId4VcModule, OpenId4VciCredentialFormatProfile } from '@credo-ts/openid4vc';

import { startAgent } from './agent.mjs';
import { createIssuerChain } from './certificates.mjs';
import { PID_DOCTYPE, PID_VCT_DE, PID_VCT_EU, mdocPid, sdJwtPid } from './pid.mjs';

const DAY_MS = 24 * 60 * 60 * 1000;
const VALID_DAYS = 90;
const ISSUER_ID = 'pid';

const proofTypes = {
  jwt: { proof_signing_alg_values_supported: [Kms.KnownJwaSignatureAlgorithms.ES256] },
};

// credential_configuration_id -> OpenID4VCI credential configuration
export const CREDENTIAL_CONFIGURATIONS = {
  'pid-sd-jwt-de': {
    format: OpenId4VciCredentialFormatProfile.SdJwtDc,
    vct: PID_VCT_DE,
    cryptographic_binding_methods_supported: ['jwk'],
    credential_signing_alg_values_supported: [Kms.KnownJwaSignatureAlgorithms.ES256],
    proof_types_supported: proofTypes,
  },
  'pid-sd-jwt-eu': {
    format: OpenId4VciCredentialFormatProfile.SdJwtDc,
    vct: PID_VCT_EU,
    cryptographic_binding_methods_supported: ['jwk'],
    credential_signing_alg_values_supported: [Kms.KnownJwaSignatureAlgorithms.ES256],
    proof_types_supported: proofTypes,
  },
  'pid-mdoc': {
    format: OpenId4VciCredentialFormatProfile.MsoMdoc,
    doctype: PID_DOCTYPE,
    cryptographic_binding_methods_supported: ['cose_key'],
    credential_signing_alg_values_supported: [Kms.KnownCoseSignatureAlgorithms.ESP256],
    proof_types_supported: proofTypes,
  },
};

/** The credential configuration for an /issue request's format and vct. */
export function configurationIdFor({ format, vct }) {
  if (format === 'mso_mdoc') return 'pid-mdoc';
  if (format === 'dc+sd-jwt') {
    if (vct === undefined || vct === PID_VCT_DE) return 'pid-sd-jwt-de';
    if (vct === PID_VCT_EU) return 'pid-sd-jwt-eu';
    throw new TypeError(`vct must be ${PID_VCT_DE} or ${PID_VCT_EU}`);
  }
  throw new TypeError('format must be "dc+sd-jwt" or "mso_mdoc"');
}

function validity(expired) {
  const now = Date.now();
  // An expired PID was issued a year ago and ran out yesterday, within its certificate.
  return expired
    ? { issuedAt: new Date(now - 365 * DAY_MS), expiresAt: new Date(now - DAY_MS) }
    : { issuedAt: new Date(now), expiresAt: new Date(now + VALID_DAYS * DAY_MS) };
}

export class PidIssuer {
  static async start({ app, baseUrl, logLevel }) {
    const issuer = new PidIssuer();
    issuer.issuerUrl = `${baseUrl}/oid4vci/${ISSUER_ID}`;
    issuer.agent = await startAgent({
      name: 'pid-issuer',
      logLevel,
      modules: {
        openid4vc: new OpenId4VcModule({
          app,
          issuer: {
            baseUrl: `${baseUrl}/oid4vci`,
            credentialRequestToCredentialMapper: (options) => issuer.credentialsFor(options),
          },
        }),
      },
    });
    issuer.chains = {
      trusted: await createIssuerChain(issuer.agent, {
        organisation: 'Bürgerportal Test-PID-Aussteller', issuerUrl: issuer.issuerUrl,
      }),
      untrusted: await createIssuerChain(issuer.agent, {
        organisation: 'Unbekannter PID-Aussteller', issuerUrl: issuer.issuerUrl,
      }),
    };
    await issuer.agent.openid4vc.issuer.createIssuer({
      issuerId: ISSUER_ID,
      credentialConfigurationsSupported: CREDENTIAL_CONFIGURATIONS,
      display: [{ name: 'Bürgerportal Test-PID-Aussteller', locale: 'de-DE' }],
    });
    return issuer;
  }

  /** Both roots: the holder accepts both (trust is the verifier's decision, not the wallet's). */
  get roots() {
    return [this.chains.trusted.root, this.chains.untrusted.root];
  }

  /**
   * A credential offer (openid-credential-offer://...) for one PID, pre-authorized code flow.
   * What to put into the PID travels with the issuance session.
   */
  async createOffer({ configurationId, person, untrusted }) {
    const { credentialOffer, issuanceSession } = await this.agent.openid4vc.issuer.createCredentialOffer({
      issuerId: ISSUER_ID,
      credentialConfigurationIds: [configurationId],
      preAuthorizedCodeFlowConfig: {},
      issuanceMetadata: { person, untrusted: Boolean(untrusted) },
      version: 'v1',
    });
    return { credentialOffer, issuanceSessionId: issuanceSession.id };
  }

  // Credo calls this for each credential request at the credential endpoint.
  credentialsFor({ issuanceSession, holderBinding, credentialConfiguration }) {
    const { person, untrusted } = issuanceSession.issuanceMetadata ?? {};
    if (holderBinding.bindingMethod !== 'jwk') {
      throw new Error('The PID is bound to a JWK (cnf.jwk / the mdoc device key)');
    }
    const signOptions = holderBinding.keys.map((binding) => this.signOptions({
      format: credentialConfiguration.format,
      vct: credentialConfiguration.vct,
      person,
      untrusted,
      expired: false,
      holderKey: binding.jwk,
    }));
    return {
      type: 'credentials',
      format: credentialConfiguration.format === 'mso_mdoc' ? ClaimFormat.MsoMdoc : ClaimFormat.SdJwtDc,
      credentials: signOptions,
    };
  }

  /** Credo's sign options for one PID, bound to the holder's public key. */
  signOptions({ format, vct, person, untrusted, expired, holderKey }) {
    const chain = untrusted ? this.chains.untrusted : this.chains.trusted;
    const { issuedAt, expiresAt } = validity(expired);
    if (format === 'mso_mdoc') {
      return { ...mdocPid(person, { issuedAt, expiresAt }), issuerCertificate: chain.mdocSigner, holderKey };
    }
    const { payload, disclosureFrame } = sdJwtPid(person, { vct, expiresAt });
    return {
      payload,
      disclosureFrame,
      holder: { method: 'jwk', jwk: holderKey },
      issuer: { method: 'x5c', x5c: [chain.sdJwtSigner], issuer: this.issuerUrl },
    };
  }

  /**
   * Sign a PID without OpenID4VCI. Only for an expired PID: Credo's holder rightly refuses to
   * accept one over OpenID4VCI, so the peer puts it into the wallet directly (as a PID that was
   * valid when issued and ran out in the wallet since).
   */
  async signDirectly({ format, vct, person, untrusted, holderKey }) {
    const options = this.signOptions({ format, vct, person, untrusted, expired: true, holderKey });
    if (format === 'mso_mdoc') return this.agent.mdoc.sign(options);
    return this.agent.sdJwtVc.sign(options);
  }
}

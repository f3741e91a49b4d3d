// The PID issuer's X.509 chain: a root CA (the trust anchor a verifier configures) and two
// signing certificates under it, one for SD-JWT VCs and one document signer for mdocs (ISO
// 18013-5 wants its own extended key usage there). Keys live in the issuer agent's KMS.

import { Kms, X509ExtendedKeyUsage, X509KeyUsage, X509Service } from '@credo-ts/core';

const DAY_MS = 24 * 60 * 60 * 1000;

async function newKey(agent) {
  const key = await agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } });
  return Kms.PublicJwk.fromPublicJwk(key.publicJwk);
}

/**
 * A root CA and its two signing certificates.
 *
 * The validity starts well in the past so that an already expired credential (signed a year
 * ago) still falls into its certificate's validity.
 *
 * @param agent  the issuer's Credo agent (its KMS keeps the private keys)
 * @param {object} options
 * @param {string} options.organisation  the subject names' common name prefix
 * @param {string} options.issuerUrl  the credential issuer's URL (SAN of the signing certificates:
 *   Credo, and the SD-JWT VC rules, tie the `iss` claim to it)
 */
export async function createIssuerChain(agent, { organisation, issuerUrl }) {
  const notBefore = new Date(Date.now() - 3 * 365 * DAY_MS);
  const notAfter = new Date(Date.now() + 5 * 365 * DAY_MS);
  const rootKey = await newKey(agent);
  const rootName = { commonName: `${organisation} Root CA`, countryName: 'DE' };
  const root = await X509Service.createCertificate(agent.context, {
    authorityKey: rootKey,
    issuer: rootName,
    validity: { notBefore, notAfter },
    extensions: {
      subjectKeyIdentifier: { include: true },
      keyUsage: { usages: [X509KeyUsage.KeyCertSign, X509KeyUsage.CrlSign], markAsCritical: true },
      basicConstraints: { ca: true, pathLenConstraint: 0, markAsCritical: true },
    },
  });

  const host = new URL(issuerUrl).hostname;
  const leaf = async (commonName, extendedKeyUsage) => X509Service.createCertificate(agent.context, {
    authorityKey: rootKey,
    subjectPublicKey: await newKey(agent),
    issuer: rootName,
    subject: { commonName, countryName: 'DE' },
    validity: { notBefore, notAfter },
    extensions: {
      authorityKeyIdentifier: { include: true },
      subjectKeyIdentifier: { include: true },
      keyUsage: { usages: [X509KeyUsage.DigitalSignature], markAsCritical: true },
      ...(extendedKeyUsage
        ? { extendedKeyUsage: { usages: [extendedKeyUsage], markAsCritical: true } }
        : {}),
      subjectAlternativeName: {
        name: [{ type: 'url', value: issuerUrl }, { type: 'dns', value: host }],
      },
    },
  });

  return {
    root,
    sdJwtSigner: await leaf(`${organisation} PID SD-JWT Signer`),
    mdocSigner: await leaf(`${organisation} PID Document Signer`, X509ExtendedKeyUsage.MdlDs),
  };
}

/**
 * A self-signed certificate for a verifier's request signing key (x509_san_dns / x509_hash),
 * used by the smoke test's throwaway verifier.
 */
export async function createVerifierCertificate(agent, { dnsName }) {
  const key = await newKey(agent);
  return X509Service.createCertificate(agent.context, {
    authorityKey: key,
    issuer: { commonName: `Test Verifier ${dnsName}`, countryName: 'DE' },
    validity: { notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 365 * DAY_MS) },
    extensions: {
      subjectAlternativeName: { name: [{ type: 'dns', value: dnsName }] },
    },
  });
}

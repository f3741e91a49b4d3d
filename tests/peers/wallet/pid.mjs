// A test person as PID (person identification data) in the EUDI wallet's two formats.
//
// SD-JWT VC (vct urn:eudi:pid:de:1 or urn:eudi:pid:1) names claims as OpenID Connect does:
// given_name, family_name, birthdate, address.{street_address, postal_code, locality, country}.
// The mdoc (doctype and namespace eu.europa.ec.eudi.pid.1) names them after ISO 23220 / the PID
// rulebook: given_name, family_name, birth_date, resident_street, resident_postal_code,
// resident_city, resident_country.

import { DateOnly } from '@credo-ts/core';

export const PID_VCT_DE = 'urn:eudi:pid:de:1';
export const PID_VCT_EU = 'urn:eudi:pid:1';
export const PID_VCTS = [PID_VCT_DE, PID_VCT_EU];
export const PID_DOCTYPE = 'eu.europa.ec.eudi.pid.1';
export const PID_NAMESPACE = PID_DOCTYPE;

// What the issuer states about itself in every PID.
const ISSUING = { issuing_country: 'DE', issuing_authority: 'DE' };

const REQUIRED = ['given_name', 'family_name', 'birthdate'];

export function validatePerson(person) {
  if (typeof person !== 'object' || person === null || Array.isArray(person)) {
    throw new TypeError('person must be an object');
  }
  for (const name of REQUIRED) {
    if (typeof person[name] !== 'string' || !person[name]) {
      throw new TypeError(`person.${name} is required (a string)`);
    }
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(person.birthdate)) {
    throw new TypeError('person.birthdate must be YYYY-MM-DD');
  }
  if (person.address !== undefined && (typeof person.address !== 'object' || person.address === null)) {
    throw new TypeError('person.address must be an object');
  }
}

function ageOver(birthdate, years, now) {
  const [y, m, d] = birthdate.split('-').map(Number);
  const birthday = new Date(Date.UTC(y + years, m - 1, d));
  return birthday <= now;
}

function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

/**
 * The SD-JWT VC's payload and disclosure frame: every personal claim selectively disclosable,
 * the address and each of its parts too (as the German PID does).
 */
export function sdJwtPid(person, { vct, expiresAt }) {
  const { address, ...rest } = person;
  const payload = {
    vct,
    ...rest,
    ...(address ? { address: { ...address } } : {}),
    ...ISSUING,
    exp: Math.floor(expiresAt.getTime() / 1000),
  };
  const personal = Object.keys(person).filter((name) => name !== 'address');
  const disclosureFrame = {
    _sd: [...personal, ...(address ? ['address'] : [])],
    ...(address ? { address: { _sd: Object.keys(address) } } : {}),
  };
  return { payload, disclosureFrame };
}

/** The mdoc's namespaces and validity. */
export function mdocPid(person, { issuedAt, expiresAt }) {
  const address = person.address ?? {};
  const now = new Date();
  const claims = {
    given_name: person.given_name,
    family_name: person.family_name,
    birth_date: new DateOnly(person.birthdate),
    age_over_18: ageOver(person.birthdate, 18, now),
    resident_street: address.street_address,
    resident_postal_code: address.postal_code,
    resident_city: address.locality,
    resident_country: address.country,
    nationality: person.nationalities,
    birth_place: person.birth_place,
    ...ISSUING,
    issuance_date: new DateOnly(isoDate(issuedAt)),
    expiry_date: new DateOnly(isoDate(expiresAt)),
  };
  // A person without an address (or a part of it) has no such element in the mdoc.
  const namespace = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return {
    docType: PID_DOCTYPE,
    namespaces: { [PID_NAMESPACE]: namespace },
    validityInfo: { signed: issuedAt, validFrom: issuedAt, validUntil: expiresAt },
  };
}

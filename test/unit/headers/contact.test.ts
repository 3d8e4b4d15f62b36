/**
 * contactPubGruu (RFC 5627 §5.2) reads only the Contacts that can carry the device's instance id
 * (issue 14: a 200 listing a thousand bindings was parsed whole for every REGISTER); what it finds
 * must not change: the pub-gruu of the Contact whose +sip.instance is the device's, however the
 * Contacts are spread over fields and however the instance is quoted.
 */
import { contactPubGruu } from '../../../src/sip/headers/contact';
import type { HeaderField } from '../../../src/sip/message';

const id = (i: number) => `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const contact = (i: number, instance = `"<${id(i)}>"`) => `<sip:b${i}@127.0.0.1:${7000 + i}>;expires=3600;+sip.instance=${instance};pub-gruu="sip:bob@cpm.example.com;gr=${id(i)}"`;
const msg = (headers: HeaderField[]) => ({ headers });

test('the pub-gruu of the device\'s own Contact among many, in separate fields or one comma list', () => {
  const values = Array.from({ length: 50 }, (_, i) => contact(i));
  const separate = values.map((value) => ({ name: 'Contact', value }));
  expect(contactPubGruu(msg(separate), id(37))).toBe(`sip:bob@cpm.example.com;gr=${id(37)}`);
  expect(contactPubGruu(msg([{ name: 'm', value: values.join(', ') }]), id(3))).toBe(`sip:bob@cpm.example.com;gr=${id(3)}`);
  expect(contactPubGruu(msg(separate), id(99))).toBeUndefined();
  expect(contactPubGruu(msg([{ name: 'Contact', value: '*' }]), id(1))).toBeUndefined();
});

test('an instance spelt with quoted-pairs (RFC 3261 §25.1) is still the device\'s', () => {
  const escaped = `"<${id(5).replace('uuid', 'uu\\id')}>"`;
  expect(contactPubGruu(msg([{ name: 'Contact', value: contact(4) }, { name: 'Contact', value: contact(5, escaped) }]), id(5))).toBe(`sip:bob@cpm.example.com;gr=${id(5)}`);
});

test('a Contact that only mentions the instance elsewhere is not the device\'s', () => {
  const other = `<sip:b1@127.0.0.1:7001>;+sip.instance="<${id(1)}>";note="${id(2)}";pub-gruu="sip:bob@cpm.example.com;gr=${id(1)}"`;
  expect(contactPubGruu(msg([{ name: 'Contact', value: other }]), id(2))).toBeUndefined();
});

/**
 * How a CPM Client device identifies the CPM service (docs/cpm-sip-binding.md, binding knob
 * serviceIdentification): the CPM ICSI as a feature tag (RFC 3840) and as a preferred service
 * (RFC 6050), or the legacy OMA SIMPLE IM feature tag.
 */
/** The CPM session ICSI (docs/cpm-sip-binding.md), as a feature tag value (RFC 3840) and as a service URN. */
export const CPM_ICSI_URN = 'urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session';
export const CPM_ICSI_TAG = `+g.3gpp.icsi-ref="${encodeURIComponent(CPM_ICSI_URN)}"`;
/** The OMA SIMPLE IM feature tag (OMA-TS-SIMPLE_IM §5.2), for a SUT that still identifies the service the legacy way. */
export const OMA_SIP_IM_TAG = '+g.oma.sip-im';

/** How a device identifies the CPM service (binding knob serviceIdentification, docs/cpm-sip-binding.md). */
export type ServiceIdentification = 'cpm-icsi' | 'oma-sip-im';

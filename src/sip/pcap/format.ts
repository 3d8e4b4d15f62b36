/**
 * Constants of the capture file formats and protocol headers the pcap module reads and writes.
 * Classic pcap: https://www.tcpdump.org/manpages/pcap-savefile.5.html (IETF draft-ietf-opsawg-pcap);
 * pcapng: draft-ietf-opsawg-pcapng; link types: https://www.tcpdump.org/linktypes.html.
 */

/** Classic pcap magic, microsecond timestamps, as written by the writing host. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
/** Classic pcap magic, nanosecond timestamps. */
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** pcapng Section Header Block type (also its byte-order-independent first word). */
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const LINKTYPE_NULL = 0; // BSD loopback: 4-octet address family in the capturing host's order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, version from the first nibble
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: address family in network order
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
export const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** Snapshot length we declare: larger than any IP packet, so nothing is ever truncated. */
export const SNAPLEN = 262144;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

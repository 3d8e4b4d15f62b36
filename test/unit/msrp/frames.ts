/** Frames shared by the MSRP unit tests: RFC 4975's own examples and small builders. */
import { msrpUri } from '../../../src/msrp/uri';

/** CRLF line ends for text written with LF. */
export const crlf = (text: string): Buffer => Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');

/** RFC 4975 §4's first SEND (the example of the protocol overview). */
export const RFC_SEND = crlf(`MSRP a786hjs2 SEND
To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp
From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp
Message-ID: 87652491
Byte-Range: 1-25/25
Content-Type: text/plain

Hey Bob, are you there?
-------a786hjs2$
`);

/** Its 200 response (RFC 4975 §4). */
export const RFC_200 = crlf(`MSRP a786hjs2 200 OK
To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp
From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp
-------a786hjs2$
`);

export const ALICE = msrpUri('msrp://127.0.0.1:40001/alice0001;tcp');
export const BOB = msrpUri('msrp://127.0.0.1:40002/bob000002;tcp');

/** A frame from its lines (LF-joined, CRLF on the wire), end-line included by the caller. */
export function frame(...lines: string[]): Buffer {
  return crlf(lines.join('\n') + '\n');
}

/** To-Path and From-Path lines of a valid frame. */
export const PATHS = ['To-Path: msrp://127.0.0.1:40002/bob000002;tcp', 'From-Path: msrp://127.0.0.1:40001/alice0001;tcp'];

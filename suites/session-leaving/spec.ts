/** C.2.3.1 quoted (../shared/spec/oma-cr-closing-one-to-one-session.txt), the sentences the cases check. */
export const DOCUMENT = 'OMA CR: CPM User Closing a CPM One to one Session';
export const CLAUSE = 'C.2.3.1';

export const STEPS: Record<string, string> = {
  '1': 'CPM Client A sends a CPM Session leaving request to CPM Client B.',
  '2': 'SIP/IP Core A routes the CPM Session leaving request to CPM Participating Function A triggered on the CPM Service indication and the CPM Address.',
  '3': 'CPM Participating Function A executes the necessary originating service control and then sends the CPM Session leaving request to SIP/IP Core A.',
  '4': 'SIP/IP Core A routes the request to SIP/IP Core of user B\u2019s network.',
  '5': 'SIP/IP Core B routes the request to CPM Participating Function B triggered on the CPM enabler service indication and the CPM Address.',
  '6': 'CPM Participating Function B executes the necessary terminating service control and then sends the CPM Session leaving request to SIP/IP Core B.',
  '7': 'SIP/IP Core B sends the CPM Session leaving request to CPM Client B.',
  '8': 'CPM Client B accepts the CPM Session leaving request with an OK response to SIP/IP core B.',
  '9-14': 'The response is conveyed back to CPM Client A using the reverse routing of the CPM Session leaving request.',
};

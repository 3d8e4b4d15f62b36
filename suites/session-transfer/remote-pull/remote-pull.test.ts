import { defineSuite } from '../../../reporters/jest-suite';
import { SUITES } from '../../index';

defineSuite(SUITES.find((s) => s.name === 'session-transfer/remote-pull')!);

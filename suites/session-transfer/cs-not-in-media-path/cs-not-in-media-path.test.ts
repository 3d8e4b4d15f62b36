import { defineSuite } from '../../../reporters/jest-suite';
import { SUITES } from '../../index';

defineSuite(SUITES.find((s) => s.name === 'session-transfer/cs-not-in-media-path')!);

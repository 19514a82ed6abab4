/** oidcc-basic-certification-test-plan ("Basic OP"): code flow, client_secret_basic, default response mode. */
import { basicPlan } from './basic-more.js';
import { definePlan } from './suite.js';
import { PENDING_BASIC } from './pending.js';

definePlan('oidcc-basic-certification-test-plan', basicPlan('default'), PENDING_BASIC);

/** oidcc-formpost-basic-certification-test-plan ("Form Post OP"): the Basic OP plan with response_mode=form_post. */
import { basicPlan } from './basic-more.js';
import { definePlan } from './suite.js';
import { PENDING_FORM_POST } from './pending.js';

definePlan('oidcc-formpost-basic-certification-test-plan', basicPlan('form_post'), PENDING_FORM_POST);

import { App } from 'aws-cdk-lib';
import { addMtdStacks } from '../lib/mtdApp';

/** `npx cdk synth -c stage=qa`, `npx cdk deploy -c stage=dev mtd-dev-platform`, then a service. */
const app = new App();
addMtdStacks(app);
app.synth();

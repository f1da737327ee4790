import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClassifierService } from '../gen/banana/v1/classifier.js';
import { DetectorService } from '../gen/banana/v1/detector.js';
import { serviceNameOf } from './service-name.js';

describe('serviceNameOf', () => {
  it('reads the fully qualified name from the generated definitions', () => {
    assert.equal(serviceNameOf(DetectorService), 'banana.v1.Detector');
    assert.equal(serviceNameOf(ClassifierService), 'banana.v1.Classifier');
  });
  it('refuses a definition without methods', () => {
    assert.throws(() => serviceNameOf({}), /without methods/);
  });
});

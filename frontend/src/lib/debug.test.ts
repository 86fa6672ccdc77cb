import { describe, expect, it } from 'vitest';
import { describeKey, parseAwsJson, summarizeDebug } from './debug';

const debug = {
  detector: {
    LabelModelVersion: '3.0',
    Labels: [
      { Name: 'Animal', Confidence: 99.1, Parents: [], Instances: [] },
      { Name: 'Cat', Confidence: 97.3, Parents: [{ Name: 'Pet' }, { Name: 'Animal' }], Instances: [{ BoundingBox: {} }] },
    ],
    ResponseMetadata: { RequestId: 'req-123' },
  },
  thresholds: { min_confidence: 80, target_label: 'Cat' },
  timings: { detect_ms: 412.5, total_ms: 530 },
};

describe('summarizeDebug', () => {
  it('reads AWSJSON strings, even double-encoded', () => {
    expect(parseAwsJson(JSON.stringify(debug))).toEqual(debug);
    expect(parseAwsJson(JSON.stringify(JSON.stringify(debug)))).toEqual(debug);
    expect(parseAwsJson(debug)).toEqual(debug);
  });

  it('finds labels, thresholds, timings, model version and request ids', () => {
    const summary = summarizeDebug(JSON.stringify(debug))!;
    expect(summary.labels).toEqual([
      { name: 'Animal', confidence: 99.1, parents: [], instances: 0 },
      { name: 'Cat', confidence: 97.3, parents: ['Pet', 'Animal'], instances: 1 },
    ]);
    expect(summary.modelVersion).toBe('3.0');
    expect(summary.thresholds).toEqual([
      ['thresholds.min_confidence', '80 %'],
      ['thresholds.target_label', 'Cat'],
    ]);
    expect(summary.timings).toEqual([
      ['detect_ms', '412.5 ms'],
      ['total_ms', '530 ms'],
    ]);
    expect(summary.requestIds).toEqual([['detector.ResponseMetadata.RequestId', 'req-123']]);
    expect(summary.pretty).toContain('"LabelModelVersion": "3.0"');
  });

  it('reads the scanner\'s shape: timingsMs and requestIds groups', () => {
    const summary = summarizeDebug({
      requestIds: { lambda: 'L1', rekognition: 'R1' },
      timingsMs: { detect: 510.8, total: 1020.1 },
      thresholds: { targetLabel: 'Cat', minConfidence: 30 },
      detector: { labels: [{ Name: 'Cat', Confidence: 92 }], modelVersion: 'efficientnet-lite0-imagenet-1.0', elapsedMs: 510.7 },
    })!;
    expect(summary.timings).toEqual([
      ['detect', '510.8 ms'],
      ['total', '1020.1 ms'],
      ['detector.elapsedMs', '510.7 ms'],
    ]);
    expect(summary.requestIds).toEqual([
      ['requestIds.lambda', 'L1'],
      ['requestIds.rekognition', 'R1'],
    ]);
    expect(summary.thresholds).toEqual([
      ['thresholds.targetLabel', 'Cat'],
      ['thresholds.minConfidence', '30 %'],
    ]);
    expect(summary.modelVersion).toBe('efficientnet-lite0-imagenet-1.0');
    expect(summary.labels.map((l) => l.name)).toEqual(['Cat']);
  });

  it('returns null without debug data', () => {
    expect(summarizeDebug(null)).toBeNull();
    expect(summarizeDebug(undefined)).toBeNull();
  });
});

describe('describeKey', () => {
  it("names the scanner's keys for people", () => {
    expect(describeKey('thresholds.detectorMinConfidence')).toBe('Detector’s minimum label confidence');
    expect(describeKey('thresholds.min_confidence')).toBe('Cat threshold (minimum confidence)');
    expect(describeKey('requestIds.lambda')).toBe('Lambda request id');
    expect(describeKey('markProcessing')).toBe('Mark as processing');
  });

  it('turns unknown keys into words', () => {
    expect(describeKey('detector.queueWaitMs')).toBe('Queue wait ms');
    expect(describeKey('some_new_setting')).toBe('Some new setting');
  });
});

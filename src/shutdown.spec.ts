import { jest } from '@jest/globals';
import { describeResources, shutdownHandler } from './shutdown.js';

function handler(steps: { name: string; run: () => unknown }[], timeoutMs = 1000) {
  const lines: string[] = [];
  const exits: number[] = [];
  const onSignal = shutdownHandler({
    steps,
    timeoutMs,
    log: (line) => lines.push(line),
    error: (line) => lines.push(line),
    exit: (code) => exits.push(code),
    activeResources: () => ['TCPSocketWrap', 'TCPSocketWrap', 'Timeout'],
  });
  return { onSignal, lines, exits };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('shutdownHandler', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('runs the steps in order and exits 0', async () => {
    const order: string[] = [];
    const { onSignal, exits } = handler([
      { name: 'a', run: () => order.push('a') },
      { name: 'b', run: async () => order.push('b') },
    ]);
    onSignal('SIGTERM');
    await settle();
    expect(order).toEqual(['a', 'b']);
    expect(exits).toEqual([0]);
  });

  it('ends a step that hangs at the deadline, naming it and what is open', async () => {
    const { onSignal, lines, exits } = handler([
      { name: 'closing the app', run: () => new Promise(() => {}) },
    ]);
    onSignal('SIGTERM');
    await settle();
    jest.advanceTimersByTime(999);
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toBe(
      'Shutdown did not finish within 1000 ms; still pending: closing the app; active: TCPSocketWrap x2, Timeout',
    );
  });

  it('exits at once on a second signal', async () => {
    const { onSignal, lines, exits } = handler([
      { name: 'hanging', run: () => new Promise(() => {}) },
    ]);
    onSignal('SIGINT');
    await settle();
    onSignal('SIGINT');
    expect(exits).toEqual([130]);
    expect(lines.at(-1)).toBe('SIGINT again: exiting now (still pending: hanging)');
  });

  it('exits 1 when a step fails', async () => {
    const { onSignal, lines, exits } = handler([
      { name: 'closing', run: () => Promise.reject(new Error('boom')) },
    ]);
    onSignal('SIGTERM');
    await settle();
    expect(exits).toEqual([1]);
    expect(lines.at(-1)).toBe('Shutdown failed while closing: boom');
  });
});

it('describeResources counts alike resources', () => {
  expect(describeResources([])).toBe('nothing');
  expect(describeResources(['Timeout', 'FSReqCallback', 'Timeout'])).toBe(
    'Timeout x2, FSReqCallback',
  );
});

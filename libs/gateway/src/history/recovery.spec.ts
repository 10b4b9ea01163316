import { describe, expect, it } from 'vitest';
import { type Broadcast, transportBackends } from '#libs/transport';
import { recoverFrom } from './recovery.js';

const options = { size: 10, ttlSeconds: 300 };
const message = (channel: string, i: number): Broadcast => ({ channel, origin: 'n', ts: Date.now(), frame: `{"i":${i}}` });

async function historyWith(channel: string, count: number) {
  const { bus, history } = await transportBackends.memory.create({});
  await bus.start();
  for (let i = 0; i < count; i++) await history!.publish(message(channel, i), options);
  return history!;
}

describe('recoverFrom', () => {
  it('recovers everything after the position when it is all there', async () => {
    const history = await historyWith('c', 5);
    const { epoch } = await history.position('c', options);
    const recovery = await recoverFrom(history, 'c', { offset: 2, epoch }, options, 100);
    expect(recovery).toMatchObject({ recovered: true, position: { offset: 5, epoch } });
    expect(recovery.publications.map((p) => p.position!.offset)).toEqual([3, 4, 5]);
  });

  it.each([
    ['another epoch', (epoch: string) => ({ offset: 2, epoch: `${epoch}x` }), 100, 'epoch_changed'],
    ['a position past the top', (epoch: string) => ({ offset: 99, epoch }), 100, 'epoch_changed'],
    ['a position trimmed away', (epoch: string) => ({ offset: 1, epoch }), 100, 'too_old'],
    ['a gap over the limit', (epoch: string) => ({ offset: 5, epoch }), 3, 'too_many'],
  ])('never claims a partial recovery: %s is %s', async (_name, since, max, reason) => {
    const history = await historyWith('c', 15);
    const { epoch } = await history.position('c', options);
    const recovery = await recoverFrom(history, 'c', since(epoch), options, max);
    expect(recovery).toEqual({ recovered: false, reason, position: { offset: 15, epoch }, publications: [] });
  });
});

/**
 * The history scripts. Redis runs a script atomically, so offset, append and live
 * publish cannot be separated by another publisher, and each costs one round trip.
 *
 * Meta hash fields: `e` epoch, `s` top offset, `r` (guarded deployments only) the
 * replication ID of the master that wrote them. Stream entry ids are `<offset>-0`, so a
 * range by offset is a range by id; each entry's one field `d` holds the broadcast in
 * its unpositioned wire form (`<ts>|<origin>|<frame>`).
 *
 * The epoch guard (Sentinel and Cluster, where replicas take over). Replication is
 * asynchronous: a replica promoted after its master died may lack the master's last
 * writes, so it would hand out again offsets that subscribers already saw, with other
 * publications behind them: a silent gap. So the epoch is bound to the master's
 * replication history: every script compares the `r` the channel's meta was written
 * under with the serving master's `master_replid` (which a promoted replica, a restarted
 * master and a slot migration's target all have anew) and, when they differ, starts a
 * new epoch. Offsets keep counting from what this master has, the entries it has stay
 * readable, and a subscriber holding a position of the old epoch is told
 * `epoch_changed` instead of being handed a history with a hole in it. Conservative on
 * purpose: the new master cannot tell a lossless failover from a lossy one, so every
 * change of master starts new epochs for the channels it serves.
 */
const GUARD = (meta: string, guardArg: string) => `
local epoch, writer = false, false
do
  local fields = redis.call('hmget', ${meta}, 'e', 'r')
  epoch, writer = fields[1], fields[2]
end
if ${guardArg} == '1' then
  local replid = string.match(redis.call('info', 'replication'), 'master_replid:(%w+)')
  if writer ~= replid then
    epoch = false
    redis.call('hset', ${meta}, 'r', replid)
  end
end
`;

/**
 * KEYS: meta, stream. ARGV: pub/sub channel, ts|origin| head, frame, epoch to create if
 * the channel has none, size, ttl seconds, meta ttl seconds, publish command (`publish`,
 * or `spublish` in Redis Cluster: the channel shares the keys' slot), guard (`1`/`0`).
 * Returns { offset, epoch }.
 */
export const PUBLISH_SCRIPT = `${GUARD('KEYS[1]', 'ARGV[9]')}
if not epoch then
  epoch = ARGV[4]
  redis.call('hset', KEYS[1], 'e', epoch)
end
local offset = redis.call('hincrby', KEYS[1], 's', 1)
redis.call('xadd', KEYS[2], 'MAXLEN', ARGV[5], offset .. '-0', 'd', ARGV[2] .. ARGV[3])
redis.call('expire', KEYS[2], ARGV[6])
redis.call('expire', KEYS[1], ARGV[7])
redis.call(ARGV[8], ARGV[1], ARGV[2] .. offset .. '|' .. epoch .. '|' .. ARGV[3])
return { offset, epoch }
`;

/**
 * KEYS: meta, stream. ARGV: since offset ('' for the latest entries), limit, epoch to
 * create if the channel has none, meta ttl seconds, guard (`1`/`0`).
 * Returns { epoch, top, id of the oldest stored entry or '', entries (id, fields)... }.
 */
export const READ_SCRIPT = `${GUARD('KEYS[1]', 'ARGV[5]')}
if not epoch then
  epoch = ARGV[3]
  redis.call('hset', KEYS[1], 'e', epoch)
  redis.call('expire', KEYS[1], ARGV[4])
end
local top = tonumber(redis.call('hget', KEYS[1], 's') or '0')
local oldest = redis.call('xrange', KEYS[2], '-', '+', 'COUNT', 1)
local oldestId = ''
if oldest[1] then oldestId = oldest[1][1] end
local limit = tonumber(ARGV[2])
local entries = {}
if limit > 0 then
  if ARGV[1] == '' then
    entries = redis.call('xrevrange', KEYS[2], '+', '-', 'COUNT', limit)
  elseif top > tonumber(ARGV[1]) then
    entries = redis.call('xrange', KEYS[2], (tonumber(ARGV[1]) + 1) .. '-0', '+', 'COUNT', limit)
  end
end
return { epoch, top, oldestId, entries }
`;

/**
 * The history scripts. Redis runs a script atomically, so offset, append and live
 * publish cannot be separated by another publisher, and each costs one round trip.
 *
 * Meta hash fields: `e` epoch, `s` top offset. Stream entry ids are `<offset>-0`, so a
 * range by offset is a range by id; each entry's one field `d` holds the broadcast in
 * its unpositioned wire form (`<ts>|<origin>|<frame>`).
 */

/**
 * KEYS: meta, stream. ARGV: pub/sub channel, ts|origin| head, frame, epoch to create if
 * the channel has none, size, ttl seconds, meta ttl seconds.
 * Returns { offset, epoch }.
 */
export const PUBLISH_SCRIPT = `
local epoch = redis.call('hget', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[4]
  redis.call('hset', KEYS[1], 'e', epoch)
end
local offset = redis.call('hincrby', KEYS[1], 's', 1)
redis.call('xadd', KEYS[2], 'MAXLEN', ARGV[5], offset .. '-0', 'd', ARGV[2] .. ARGV[3])
redis.call('expire', KEYS[2], ARGV[6])
redis.call('expire', KEYS[1], ARGV[7])
redis.call('publish', ARGV[1], ARGV[2] .. offset .. '|' .. epoch .. '|' .. ARGV[3])
return { offset, epoch }
`;

/**
 * KEYS: meta, stream. ARGV: since offset ('' for the latest entries), limit, epoch to
 * create if the channel has none, meta ttl seconds.
 * Returns { epoch, top, id of the oldest stored entry or '', entries (id, fields)... }.
 */
export const READ_SCRIPT = `
local epoch = redis.call('hget', KEYS[1], 'e')
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

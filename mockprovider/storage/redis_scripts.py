"""The Lua scripts of the Redis store: every write that must be atomic runs as one script.

Key names are derived inside the scripts from the key prefix (`ARGV[1]`), so the store needs a
standalone Redis (or a single-node deployment), not Redis Cluster. Numbers travel as strings
(Python's `repr`) and are only ever compared with `tonumber` or handed to Redis as scores, so
no float is rounded through Lua's 14-digit formatting.

Layout under the prefix `P` (`member` is `<seq, 16 digits>:<id>`, so equal scores sort by
insertion order):

- `P seq`: insertion counter.
- `P s:<id>`: hash `doc status member expires` of a session; `P sessions` and
  `P sessions:p:<provider>`: sorted sets by `created_at`; `P expiring`: sorted set by
  `expires_at` of expirable sessions.
- `P d:<id>`: hash `doc status member next lease_until lease_owner` of a delivery;
  `P deliveries`, `P deliveries:p:<provider>`, `P deliveries:s:<session>`: sorted sets by
  `created_at`; `P due`: sorted set by `next_attempt_at` of pending deliveries.
"""

from __future__ import annotations

# Shared helpers, prepended to the scripts that need them.
_ADD_DELIVERY = """
local function member_of(seq, id)
  return string.format('%016d:', seq) .. id
end

local function add_delivery(p, d)
  local seq = redis.call('INCR', p .. 'seq')
  local member = member_of(seq, d.id)
  local key = p .. 'd:' .. d.id
  redis.call('HSET', key, 'doc', d.doc, 'status', d.status, 'member', member,
             'next', d.next, 'lease_until', d.lease_until, 'lease_owner', d.lease_owner)
  redis.call('ZADD', p .. 'deliveries', d.created, member)
  redis.call('ZADD', p .. 'deliveries:p:' .. d.provider, d.created, member)
  if d.session_id ~= '' then
    redis.call('ZADD', p .. 'deliveries:s:' .. d.session_id, d.created, member)
  end
  if d.status == 'pending' and d.next ~= '' then
    redis.call('ZADD', p .. 'due', d.next, member)
  end
end

-- 'ok' if none of the deliveries (JSON texts in ARGV[first..]) exists yet or repeats an id.
local function check_new(p, first)
  local seen = {}
  local found = {}
  for i = first, #ARGV do
    local d = cjson.decode(ARGV[i])
    if seen[d.id] or redis.call('EXISTS', p .. 'd:' .. d.id) == 1 then
      return nil, d.id
    end
    seen[d.id] = true
    found[#found + 1] = d
  end
  return found, nil
end
"""

_CAS_SESSION = """
-- Write the session (ARGV[3..7]) if its stored status is ARGV[2]; 1 if written, 0 if not.
local function cas_session(p, id, expected, doc, status, expires, expirable, ttl)
  local key = p .. 's:' .. id
  if redis.call('HGET', key, 'status') ~= expected then
    return 0
  end
  local member = redis.call('HGET', key, 'member')
  redis.call('HSET', key, 'doc', doc, 'status', status, 'expires', expires)
  if expirable == '1' then
    redis.call('ZADD', p .. 'expiring', expires, member)
  else
    redis.call('ZREM', p .. 'expiring', member)
  end
  if tonumber(ttl) > 0 then
    redis.call('EXPIRE', key, ttl)
  end
  return 1
end
"""

#: ARGV: prefix, id, provider, status, created, expires, expirable, ttl, doc -> 1, or 0 if taken.
INSERT_SESSION = """
local p, id = ARGV[1], ARGV[2]
local key = p .. 's:' .. id
if redis.call('EXISTS', key) == 1 then
  return 0
end
local seq = redis.call('INCR', p .. 'seq')
local member = string.format('%016d:', seq) .. id
redis.call('HSET', key, 'doc', ARGV[9], 'status', ARGV[4], 'member', member,
           'expires', ARGV[6])
redis.call('ZADD', p .. 'sessions', ARGV[5], member)
redis.call('ZADD', p .. 'sessions:p:' .. ARGV[3], ARGV[5], member)
if ARGV[7] == '1' then
  redis.call('ZADD', p .. 'expiring', ARGV[6], member)
end
if tonumber(ARGV[8]) > 0 then
  redis.call('EXPIRE', key, ARGV[8])
end
return 1
"""

#: ARGV: prefix, id, expected, doc, status, expires, expirable, ttl -> 1 written, 0 not.
SAVE_SESSION = (
    _CAS_SESSION
    + """
return cas_session(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
"""
)

#: ARGV: as SAVE_SESSION, then one JSON text per delivery -> 1 written, 0 CAS failed,
#: or {'conflict', id} (nothing written).
FINISH_SESSION = (
    _ADD_DELIVERY
    + _CAS_SESSION
    + """
local p = ARGV[1]
if redis.call('HGET', p .. 's:' .. ARGV[2], 'status') ~= ARGV[3] then
  return 0
end
local found, taken = check_new(p, 9)
if taken then
  return {'conflict', taken}
end
cas_session(p, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
for _, d in ipairs(found) do
  add_delivery(p, d)
end
return 1
"""
)

#: ARGV: prefix, then one JSON text per delivery -> 1, or {'conflict', id} (nothing written).
ENQUEUE = (
    _ADD_DELIVERY
    + """
local p = ARGV[1]
local found, taken = check_new(p, 2)
if taken then
  return {'conflict', taken}
end
for _, d in ipairs(found) do
  add_delivery(p, d)
end
return 1
"""
)

#: ARGV: prefix, now, owner, lease_now, lease_until, limit -> docs of the claimed deliveries,
#: oldest due first. A delivery is claimable when unleased or its lease lapsed.
CLAIM_DUE = """
local p, now, owner, lease_until = ARGV[1], ARGV[2], ARGV[3], ARGV[5]
local lease_now, limit = tonumber(ARGV[4]), tonumber(ARGV[6])
local out = {}
local offset = 0
while #out < limit do
  local batch = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'LIMIT', offset, 256)
  if #batch == 0 then
    break
  end
  for _, member in ipairs(batch) do
    local key = p .. 'd:' .. string.sub(member, 18)
    local lease = redis.call('HGET', key, 'lease_until')
    if lease and (lease == '' or tonumber(lease) < lease_now) then
      redis.call('HSET', key, 'lease_until', lease_until, 'lease_owner', owner)
      out[#out + 1] = redis.call('HGET', key, 'doc')
      if #out >= limit then
        break
      end
    end
  end
  offset = offset + #batch
end
return out
"""

#: ARGV: prefix, id, doc, status, next, retention. Writes the delivery, releases its lease and
#: keeps `due` in step; a finished delivery expires `retention` s later (0: never). Does nothing
#: for a delivery that is gone (forgotten by a reset while in flight).
WRITE_DELIVERY = """
local p, id, doc, status, next, retention = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local key = p .. 'd:' .. id
local member = redis.call('HGET', key, 'member')
if not member then
  return 0
end
redis.call('HSET', key, 'doc', doc, 'status', status, 'next', next,
           'lease_until', '', 'lease_owner', '')
if status == 'pending' and next ~= '' then
  redis.call('ZADD', p .. 'due', next, member)
  redis.call('PERSIST', key)
else
  redis.call('ZREM', p .. 'due', member)
  if tonumber(retention) > 0 then
    redis.call('EXPIRE', key, retention)
  end
end
return 1
"""

#: ARGV: prefix, table (provider and kind), key, doc, only_new ('1': insert, '0': put) -> 1 written,
#: 0 not. A record keeps the place of its first insertion.
PUT_RECORD = """
local p = ARGV[1]
local table_key = p .. 'r:' .. ARGV[2]
local order_key = p .. 'ro:' .. ARGV[2]
if ARGV[5] == '1' then
  if redis.call('HSETNX', table_key, ARGV[3], ARGV[4]) == 0 then
    return 0
  end
else
  redis.call('HSET', table_key, ARGV[3], ARGV[4])
end
if redis.call('ZSCORE', order_key, ARGV[3]) == false then
  redis.call('ZADD', order_key, redis.call('INCR', p .. 'seq'), ARGV[3])
end
return 1
"""

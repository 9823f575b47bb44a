namespace RagPlatform.FineTuning.Storage.Redis;

/// <summary>
/// The Lua scripts that make each fine-tuning write one atomic step in Redis. Leases are kept in
/// Redis's own clock (TIME), so replicas' clocks never matter. A claim is current while the job
/// runs under its fence and its lease has not expired; a fenced write checks exactly that, in the
/// same step as the write, so a worker that lost its claim (expired, or taken by another) never
/// writes. States are the proto numbers: 2 queued, 3 running, 4 and up ended.
/// </summary>
public static class RedisJobScripts
{
    private const string Now = """
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
        """;

    /// <summary>Whether fields state, fence, lease (read in that order into h) hold the claim of fence ARGV[1].</summary>
    private const string IsCurrent = "(h[1] and tonumber(h[1]) == 3 and h[2] == ARGV[1] and tonumber(h[3]) >= now)";

    /// <summary>
    /// KEYS: job, index, idempotency key, model holders. ARGV: data, state, score, job id,
    /// has idempotency key (1/0), model name, job key prefix. Returns {outcome, job id}:
    /// created; existing (the job of the idempotency key); taken (the live job holding the model name).
    /// </summary>
    public const string Create = """
        if ARGV[5] == '1' then
          local existing = redis.call('GET', KEYS[3])
          if existing then return {'existing', existing} end
        end
        local holder = redis.call('HGET', KEYS[4], ARGV[6])
        if holder and holder ~= ARGV[4] then
          local state = tonumber(redis.call('HGET', ARGV[7] .. holder, 'state') or '0')
          if state > 0 and state < 4 then return {'taken', holder} end
        end
        redis.call('HSET', KEYS[1], 'data', ARGV[1], 'version', 1, 'state', ARGV[2], 'fence', 0, 'lease', 0,
          'worker', '', 'events', 0, 'entry', '')
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        redis.call('HSET', KEYS[4], ARGV[6], ARGV[4])
        if ARGV[5] == '1' then redis.call('SET', KEYS[3], ARGV[4]) end
        return {'created', ARGV[4]}
        """;

    /// <summary>
    /// Replaces a job if it is still at the version read, and appends its events (ids assigned here).
    /// KEYS: job, events, queue. ARGV: version read, mode, fence (mode fenced) or queue entry (mode
    /// claim), data, new state, new fence, lease ms, worker, tenant, job id, change message, events...
    /// Mode any: no further check; fenced: the claim of that fence must be current; claim: the entry
    /// must be the job's current one and the job queued, or running under an expired lease.
    /// Entering queued adds a queue entry (acknowledging and deleting the old one); ending does the latter.
    /// Returns {outcome, last event id}: 1 written, 0 changed since read, -1 no such job, -2 claim lost,
    /// -3 entry stale, -4 held by a live claim.
    /// </summary>
    public static readonly string Write = Now + $$"""

        local h = redis.call('HMGET', KEYS[1], 'version', 'state', 'fence', 'lease', 'entry')
        if not h[1] then return {-1, 0} end
        if h[1] ~= ARGV[1] then return {0, 0} end
        local state = tonumber(h[2])
        if ARGV[2] == 'fenced' then
          if state ~= 3 or h[3] ~= ARGV[3] or tonumber(h[4]) < now then return {-2, 0} end
        elseif ARGV[2] == 'claim' then
          if h[5] ~= ARGV[3] then return {-3, 0} end
          if not (state == 2 or (state == 3 and tonumber(h[4]) < now)) then return {-4, 0} end
        end
        local next = tonumber(ARGV[5])
        redis.call('HSET', KEYS[1], 'data', ARGV[4], 'version', tonumber(h[1]) + 1, 'state', next, 'fence', ARGV[6])
        if ARGV[2] == 'claim' then
          redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[7]), 'worker', ARGV[8])
        elseif next ~= 3 then
          redis.call('HSET', KEYS[1], 'lease', 0, 'worker', '')
        end
        local entering = next == 2 and state ~= 2
        if (entering or next >= 4) and h[5] ~= '' then
          redis.call('XACK', KEYS[3], '{{RedisJobKeys.Group}}', h[5])
          redis.call('XDEL', KEYS[3], h[5])
          redis.call('HSET', KEYS[1], 'entry', '')
        end
        if entering then
          local entry = redis.call('XADD', KEYS[3], '*', 'tenant', ARGV[9], 'job', ARGV[10])
          redis.call('HSET', KEYS[1], 'entry', entry)
          redis.call('PUBLISH', '{{RedisJobKeys.QueuedChannel}}', entry)
        end
        local n = tonumber(redis.call('HGET', KEYS[1], 'events'))
        for i = 12, #ARGV do
          n = n + 1
          redis.call('RPUSH', KEYS[2], '{"id":"' .. n .. '",' .. string.sub(ARGV[i], 2))
        end
        redis.call('HSET', KEYS[1], 'events', n)
        redis.call('PUBLISH', '{{RedisJobKeys.ChangesChannel}}', ARGV[11])
        return {1, n}
        """;

    /// <summary>
    /// KEYS: job, events, checkpoints, checkpoint states. ARGV: fence, checkpoint field, description,
    /// state, change message, event. Returns the event's id, or -2 when the claim is not current.
    /// </summary>
    public static readonly string SaveCheckpoint = Now + $$"""

        local h = redis.call('HMGET', KEYS[1], 'state', 'fence', 'lease')
        if not {{IsCurrent}} then return -2 end
        redis.call('HSET', KEYS[4], ARGV[2], ARGV[4])
        redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
        local n = redis.call('HINCRBY', KEYS[1], 'events', 1)
        redis.call('RPUSH', KEYS[2], '{"id":"' .. n .. '",' .. string.sub(ARGV[6], 2))
        redis.call('PUBLISH', '{{RedisJobKeys.ChangesChannel}}', ARGV[5])
        return n
        """;

    /// <summary>
    /// Extends the lease of the job's running claim of fence ARGV[1] by ARGV[2] ms, even after it
    /// expired if no one took the job since, and keeps its queue entry fresh (pending with consumer
    /// ARGV[3], idle time reset) so other replicas do not keep picking it up. KEYS: job, queue. Returns 1 or 0.
    /// </summary>
    public static readonly string Renew = Now + $$"""

        local h = redis.call('HMGET', KEYS[1], 'state', 'fence', 'entry')
        if not h[1] or tonumber(h[1]) ~= 3 or h[2] ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[2]))
        if h[3] ~= '' then redis.call('XCLAIM', KEYS[2], '{{RedisJobKeys.Group}}', ARGV[3], 0, h[3], 'JUSTID') end
        return 1
        """;

    /// <summary>
    /// Removes the group's consumers that hold no entries and have been idle for ARGV[1] ms: replicas
    /// that are gone (each process reads under a name of its own). In one step, so no consumer gains
    /// an entry between the check and the removal, which would drop it from the pending list. A live
    /// replica removed while it waited is recreated by its next read. KEYS: queue. Returns how many.
    /// </summary>
    public const string PruneConsumers = $$"""
        local removed = 0
        for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], '{{RedisJobKeys.Group}}')) do
          local fields = {}
          for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
          if tonumber(fields['pending']) == 0 and tonumber(fields['idle']) >= tonumber(ARGV[1]) then
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], '{{RedisJobKeys.Group}}', fields['name'])
            removed = removed + 1
          end
        end
        return removed
        """;

    /// <summary>KEYS: job. ARGV: fence. 1 while that claim is current, else 0.</summary>
    public static readonly string IsClaimCurrent = Now + $$"""

        local h = redis.call('HMGET', KEYS[1], 'state', 'fence', 'lease')
        if {{IsCurrent}} then return 1 end
        return 0
        """;

    /// <summary>
    /// Registers a model under the job's current claim. KEYS: job, models. ARGV: fence, name, model.
    /// Returns {1, ''} registered, {0, the registered model} when the name is taken, {-2, ''} claim lost.
    /// </summary>
    public static readonly string Register = Now + $$"""

        local h = redis.call('HMGET', KEYS[1], 'state', 'fence', 'lease')
        if not {{IsCurrent}} then return {-2, ''} end
        local existing = redis.call('HGET', KEYS[2], ARGV[2])
        if existing then return {0, existing} end
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        return {1, ''}
        """;
}

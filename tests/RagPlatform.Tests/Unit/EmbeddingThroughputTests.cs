using RagPlatform.Embedding.Batching;
using RagPlatform.Embedding.Caching;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Redis;

namespace RagPlatform.Tests.Unit;

public sealed class EmbeddingThroughputTests
{
    [Fact]
    public async Task Concurrent_requests_share_model_calls_and_each_gets_its_own_results()
    {
        var calls = new List<int>();
        var gate = new TaskCompletionSource();
        var busy = new TaskCompletionSource();
        await using var batcher = new MicroBatcher<int, int>(async (items, _) =>
        {
            lock (calls) calls.Add(items.Count);
            busy.TrySetResult();
            await gate.Task; // the first call holds the model while the others queue
            return items.Select(i => i * 10).ToList();
        }, maxBatch: 8, capacity: 100);

        var first = batcher.SubmitAsync([0], CancellationToken.None);
        await busy.Task;
        var rest = Enumerable.Range(1, 12).Select(i => batcher.SubmitAsync([i, -i], CancellationToken.None)).ToList();
        gate.SetResult();
        Assert.Equal(new[] { 0 }, await first);
        for (int i = 1; i <= 12; i++) Assert.Equal(new[] { i * 10, -i * 10 }, await rest[i - 1]);
        // 1 + 24 texts in calls of at most 8: the 12 queued requests took 3 calls, not 12.
        Assert.Equal(1, calls[0]);
        Assert.All(calls, c => Assert.InRange(c, 1, 8));
        Assert.Equal(4, calls.Count);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_a_large_request_is_split()
    {
        var gate = new TaskCompletionSource();
        var sizes = new List<int>();
        await using var batcher = new MicroBatcher<int, int>(async (items, _) =>
        {
            lock (sizes) sizes.Add(items.Count);
            await gate.Task;
            return items.ToList();
        }, maxBatch: 4, capacity: 10);

        var big = batcher.SubmitAsync(Enumerable.Range(0, 10).ToList(), CancellationToken.None);
        await Assert.ThrowsAsync<ResourceExhaustedException>(() => batcher.SubmitAsync([1], CancellationToken.None));
        gate.SetResult();
        Assert.Equal(Enumerable.Range(0, 10), await big);
        Assert.Equal([4, 4, 2], sizes);
        Assert.Equal(new[] { 7 }, await batcher.SubmitAsync([7], CancellationToken.None)); // room again once drained
    }

    [Fact]
    public void The_breaker_skips_calls_while_cooling_down_then_lets_one_trial_through()
    {
        var time = new ManualTime();
        var breaker = new CircuitBreaker(TimeSpan.FromSeconds(5), time);
        Assert.True(breaker.Allow());
        breaker.Failure();
        Assert.False(breaker.Allow());
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(breaker.Allow());   // one trial
        Assert.False(breaker.Allow());  // not two at once
        breaker.Failure();
        Assert.False(breaker.Allow());
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(breaker.Allow());
        breaker.Success();
        Assert.True(breaker.Allow());
        Assert.True(breaker.Allow());
    }

    [Fact]
    public void Cached_vectors_round_trip_and_keys_carry_tenant_model_and_kind()
    {
        var vector = new CachedVector([0.5f, -1f, 3f], 7, true);
        var back = CachedVector.Deserialize(vector.Serialize(), 3)!.Value;
        Assert.Equal(vector.Vector, back.Vector);
        Assert.Equal((7, true), (back.TokenCount, back.Truncated));
        Assert.Null(CachedVector.Deserialize(vector.Serialize(), 4)); // another dimension is a miss, not garbage
        var key = EmbeddingCache.Key("acme", "use-lite", isQuery: true, "hello");
        Assert.StartsWith("ragplatform:acme:emb:use-lite:q:", key);
        Assert.NotEqual(key, EmbeddingCache.Key("globex", "use-lite", true, "hello"));
        Assert.NotEqual(key, EmbeddingCache.Key("acme", "use-lite", false, "hello"));
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => now;
        public void Advance(TimeSpan by) => now += by;
    }
}

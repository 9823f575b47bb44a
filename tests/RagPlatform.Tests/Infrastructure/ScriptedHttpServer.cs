using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>A request as the server saw it, with when it arrived (since the server started).</summary>
public sealed record RecordedRequest(TimeSpan At, string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A reply the server plays: status, JSON body, extra headers, and how long it takes to come.</summary>
public sealed record ScriptedReply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public TimeSpan Delay { get; init; }
}

/// <summary>
/// A tiny HTTP server on a loopback port that plays replies in order (the last one repeats) and
/// records every request: for testing our own client code (retries, headers, paths) against
/// answers a real provider gives only when it is overloaded.
/// </summary>
public sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<RecordedRequest> requests = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Func<RecordedRequest, int, ScriptedReply> reply;
    private int count;

    private ScriptedHttpServer(Func<RecordedRequest, int, ScriptedReply> reply)
    {
        this.reply = reply;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Run(HandleAsync);
    }

    public Uri Address { get; private set; } = null!;
    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    /// <summary>Replies in order; the last one answers every request after it.</summary>
    public static Task<ScriptedHttpServer> StartAsync(params ScriptedReply[] replies) =>
        StartAsync((_, index) => replies[Math.Min(index, replies.Length - 1)]);

    /// <summary>A reply computed from the request and its index (0 for the first).</summary>
    public static async Task<ScriptedHttpServer> StartAsync(Func<RecordedRequest, int, ScriptedReply> reply)
    {
        var server = new ScriptedHttpServer(reply);
        await server.app.StartAsync();
        server.Address = new Uri(server.app.Urls.First() + "/");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var recorded = new RecordedRequest(clock.Elapsed, context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            await reader.ReadToEndAsync());
        requests.Enqueue(recorded);
        var answer = reply(recorded, Interlocked.Increment(ref count) - 1);
        if (answer.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(answer.Delay, context.RequestAborted); }
            catch (OperationCanceledException) { return; } // the client gave up first
        }
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = "application/json";
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            context.Response.Headers[name] = value;
        await context.Response.WriteAsync(answer.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagPlatform.Tests.Otlp;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>A span as received, with the service that sent it.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, SpanKind Kind,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// An OTLP/gRPC trace receiver listening on a loopback port: the services export to it over the
/// wire exactly as they would to the Aspire dashboard or a collector.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ReceivedSpan> spans = new();

    private OtlpTraceReceiver(WebApplication app) => this.app = app;

    public string Endpoint { get; private set; } = "";
    public IReadOnlyCollection<ReceivedSpan> Spans => spans;

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<Sink>();
        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.MapGrpcService<TraceCollector>();
        app.Services.GetRequiredService<Sink>().Target = receiver;
        await app.StartAsync();
        receiver.Endpoint = app.Urls.First();
        return receiver;
    }

    /// <summary>Waits until the spans received satisfy <paramref name="done"/>, or fails after the timeout.</summary>
    public async Task<List<ReceivedSpan>> WaitForAsync(Func<IReadOnlyCollection<ReceivedSpan>, bool> done, TimeSpan timeout, string what)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (!done(spans))
        {
            if (limit.IsCancellationRequested)
                throw new TimeoutException($"{what} did not arrive within {timeout.TotalSeconds} s; received {spans.Count} spans: " +
                    string.Join("; ", spans.Select(s => $"{s.Service}:{s.Name}")));
            await Task.Delay(50);
        }
        return [.. spans];
    }

    internal void Add(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue ?? "";
            foreach (var scope in resource.ScopeSpans)
                foreach (var span in scope.Spans)
                    spans.Enqueue(new ReceivedSpan(service, Convert.ToHexStringLower(span.TraceId.Span), Convert.ToHexStringLower(span.SpanId.Span),
                        Convert.ToHexStringLower(span.ParentSpanId.Span), span.Name, span.Kind,
                        span.Attributes.ToDictionary(a => a.Key, a => Text(a.Value))));
        }
    }

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "",
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Connects the gRPC service instance to its receiver.</summary>
    public sealed class Sink
    {
        public OtlpTraceReceiver? Target { get; set; }
    }

    private sealed class TraceCollector(Sink sink) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            sink.Target!.Add(request);
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }
}

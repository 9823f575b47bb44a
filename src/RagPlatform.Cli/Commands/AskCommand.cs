using System.CommandLine;
using Grpc.Core;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag ask "question": the answer streamed as it is written, then its citations, the route taken and
/// the timings (with --json, the whole response as one document).
/// </summary>
public static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The question." };
        var endpoint = CommonOptions.Endpoint("The platform to ask (the router's address).");
        endpoint.DefaultValueFactory = _ => Standalone.StandaloneHost.DefaultUrl;
        var source = new Option<string[]>("--source") { Description = "Sources to search (repeatable); all when omitted." };
        var strategy = new Option<string>("--strategy")
        {
            Description = "auto (the router's policy decides), rag, fine-tuned or hybrid.",
            DefaultValueFactory = _ => "auto",
        };
        strategy.AcceptOnlyFromAmong("auto", "rag", "fine-tuned", "hybrid");
        var model = new Option<string>("--model") { Description = "The chat model to answer with (for fine-tuned and hybrid: a registered fine-tuned one)." };
        var budget = new Option<int?>("--latency-budget") { Description = "Your latency budget in milliseconds, which AUTO weighs." };
        var tenant = CommonOptions.Tenant();
        var json = CommonOptions.Json();
        var command = new Command("ask", "Ask a question; get an answer with citations.") { question, endpoint, source, strategy, model, budget, tenant, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var request = new AskRequest
            {
                Question = parse.GetValue(question)!,
                Strategy = parse.GetValue(strategy) switch
                {
                    "rag" => Strategy.Rag,
                    "fine-tuned" => Strategy.FineTuned,
                    "hybrid" => Strategy.Hybrid,
                    _ => Strategy.Auto,
                },
                GenerationModel = parse.GetValue(model) ?? "",
                LatencyBudget = parse.GetValue(budget) is int ms ? Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(ms)) : null,
            };
            request.Sources.Add(parse.GetValue(source) ?? []);
            if (parse.GetValue(json))
            {
                AnswerPrinter.Print(await target.Router.AskAsync(request, target.Headers, cancellationToken: cancellationToken), json: true);
                return 0;
            }
            using var call = target.Router.AskStream(request, target.Headers, cancellationToken: cancellationToken);
            await AnswerPrinter.StreamAsync(call.ResponseStream.ReadAllAsync(cancellationToken), cancellationToken);
            return 0;
        });
        return command;
    }
}

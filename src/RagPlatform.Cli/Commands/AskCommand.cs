using System.CommandLine;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.Cli.Commands;

/// <summary>rag ask "question": the answer, its citations, the route taken and the timings.</summary>
public static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The question." };
        var endpoint = CommonOptions.Endpoint("The platform to ask (the router's address).");
        endpoint.DefaultValueFactory = _ => Standalone.StandaloneHost.DefaultUrl;
        var source = new Option<string[]>("--source") { Description = "Sources to search (repeatable); all when omitted." };
        var tenant = CommonOptions.Tenant();
        var json = CommonOptions.Json();
        var command = new Command("ask", "Ask a question; get an answer with citations.") { question, endpoint, source, tenant, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var request = new AskRequest { Question = parse.GetValue(question)! };
            request.Sources.Add(parse.GetValue(source) ?? []);
            var response = await target.Router.AskAsync(request, target.Headers, cancellationToken: cancellationToken);
            AnswerPrinter.Print(response, parse.GetValue(json));
            return 0;
        });
        return command;
    }
}

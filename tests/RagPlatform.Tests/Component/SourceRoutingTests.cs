using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>
/// Routing through the real service with the local sentence encoder: four sources on distinct
/// topics, each described and holding a few documents, and a labelled set of questions that name
/// no source. The router must send (nearly) every question to its topic's source first.
/// </summary>
public sealed class SourceRoutingTests : IClassFixture<UseLiteWeights>, IAsyncLifetime
{
    private ServiceHost host = null!;
    private QueryRouterService.QueryRouterServiceClient router = null!;

    private static readonly Dictionary<string, (string Description, string[] Documents)> Topics = new()
    {
        ["astronomy"] = ("Astronomy: planets, stars, galaxies, telescopes and space missions.",
        [
            "Jupiter is the largest planet in the solar system. Its Great Red Spot is a storm larger than Earth.",
            "A neutron star is the collapsed core of a massive star. It can spin hundreds of times a second.",
            "The Hubble Space Telescope orbits Earth and has photographed distant galaxies since 1990.",
            "The Andromeda galaxy is the nearest large spiral galaxy to the Milky Way.",
            "Saturn's rings are made of ice and rock. The Cassini probe studied them for thirteen years.",
        ]),
        ["cooking"] = ("Cooking: recipes, baking, kitchen techniques and ingredients.",
        [
            "To bake bread, knead the dough until it is smooth, let it rise, then bake it in a hot oven.",
            "A risotto is made by adding warm stock to rice a ladle at a time while stirring.",
            "Caramelise onions slowly over low heat with butter until they are deep brown and sweet.",
            "Whisk egg whites with sugar to stiff peaks to make a meringue, then bake it at a low temperature.",
            "Season a cast iron pan with a thin layer of oil heated until it smokes.",
        ]),
        ["finance"] = ("Personal finance and markets: budgets, savings, loans, taxes, stocks and bonds.",
        [
            "An index fund holds every stock in a market index, so its fees are low and its returns follow the market.",
            "A mortgage is a loan secured by a house. Its interest rate may be fixed or variable.",
            "Compound interest means that interest is earned on earlier interest as well as on savings.",
            "Bonds pay a fixed coupon until they mature. Their prices fall when interest rates rise.",
            "A household budget lists income and expenses so that spending stays below earnings.",
        ]),
        ["medicine"] = ("Medicine and health: diseases, symptoms, treatments, vaccines and the human body.",
        [
            "Influenza causes fever, cough and muscle aches. A yearly vaccine lowers the risk of infection.",
            "High blood pressure strains the heart and arteries and is treated with diet, exercise and medication.",
            "Antibiotics kill bacteria but do not work against viruses such as the common cold.",
            "Type 2 diabetes makes the body resist insulin, so blood sugar rises.",
            "The heart pumps blood through the lungs, where it takes up oxygen, and then around the body.",
        ]),
    };

    /// <summary>Questions worded unlike the documents, each with the source it belongs to.</summary>
    private static readonly (string Question, string Source)[] Labelled =
    [
        ("Which planet has the biggest storm?", "astronomy"),
        ("How fast can a dead star rotate?", "astronomy"),
        ("What has the space telescope photographed?", "astronomy"),
        ("Which galaxy is closest to ours?", "astronomy"),
        ("What are the rings around Saturn made of?", "astronomy"),
        ("How long did the spacecraft study the ringed planet?", "astronomy"),
        ("How do I make a loaf rise before baking?", "cooking"),
        ("What is the way to cook an Italian rice dish?", "cooking"),
        ("How can I make onions sweet in the pan?", "cooking"),
        ("How do I whip egg whites for a dessert?", "cooking"),
        ("How should I season my iron skillet?", "cooking"),
        ("What oven temperature for meringue?", "cooking"),
        ("Why are index funds cheap?", "finance"),
        ("Is my home loan rate fixed?", "finance"),
        ("How does interest on savings grow over time?", "finance"),
        ("What happens to bond prices when rates go up?", "finance"),
        ("How do I keep my spending under my income?", "finance"),
        ("Should I buy stocks or bonds for retirement?", "finance"),
        ("What are the symptoms of the flu?", "medicine"),
        ("How is hypertension treated?", "medicine"),
        ("Do antibiotics help against a cold virus?", "medicine"),
        ("Why does blood sugar rise in diabetes?", "medicine"),
        ("Where does blood pick up oxygen?", "medicine"),
        ("Should I get a vaccine every year?", "medicine"),
    ];

    public async Task InitializeAsync()
    {
        host = await ServiceHost.StartStandaloneAsync(new Dictionary<string, string?>
        {
            ["Embedding:DefaultModel"] = "use-lite",
            ["QueryRouter:Routing:Rules:0:Source"] = "finance",
            ["QueryRouter:Routing:Rules:0:Keywords:0"] = "invoice",
            ["QueryRouter:Routing:Rules:1:Source"] = "medicine",
            ["QueryRouter:Routing:Rules:1:Pattern"] = @"\bICD-\d+",
        });
        router = new QueryRouterService.QueryRouterServiceClient(host.Channel);
        foreach (var (name, (description, documents)) in Topics)
        {
            await router.CreateSourceAsync(new CreateSourceRequest { Source = new Source { Name = name, Description = description } });
            using var call = router.Ingest();
            for (int i = 0; i < documents.Length; i++)
                await call.RequestStream.WriteAsync(new IngestRequest
                {
                    Source = name, DocumentId = $"{name}-{i}", ContentType = "text/plain", Content = ByteString.CopyFromUtf8(documents[i]),
                });
            await call.RequestStream.CompleteAsync();
            Assert.Equal((uint)documents.Length, (await call).Indexed);
        }
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Questions_that_name_no_source_go_to_their_topic_first()
    {
        var wrong = new List<string>();
        foreach (var (question, expected) in Labelled)
        {
            var response = await router.RetrieveAsync(new RetrieveRequest { Question = question });
            var first = response.Route.Sources[0];
            Assert.StartsWith("profile similarity", first.Reason);
            Assert.True(response.Route.Sources.Count <= 3, "at most MaxSources sources are routed to");
            Assert.True(response.Route.Sources.Zip(response.Route.Sources.Skip(1)).All(p => p.First.Score >= p.Second.Score), "choices are best first");
            if (first.Source != expected) wrong.Add($"{question} → {first.Source} ({first.Score:0.000}), expected {expected}");
        }
        // Short questions against four clear topics: one miss in twenty-four is the most we accept.
        Assert.True(wrong.Count <= 1, "misrouted:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task Declared_rules_route_before_similarity_and_say_so()
    {
        var byKeyword = await router.RetrieveAsync(new RetrieveRequest { Question = "Where can I find the Invoice for my telescope?" });
        var choice = Assert.Single(byKeyword.Route.Sources);
        Assert.Equal("finance", choice.Source);
        Assert.Equal("rule: the question mentions 'invoice'", choice.Reason);

        var byPattern = await router.RetrieveAsync(new RetrieveRequest { Question = "What does code ICD-10 say about baking?" });
        Assert.Equal("medicine", Assert.Single(byPattern.Route.Sources).Source);
        Assert.StartsWith("rule: the question matches", byPattern.Route.Sources[0].Reason);

        // A keyword inside another word is not the keyword.
        var notAWord = await router.RetrieveAsync(new RetrieveRequest { Question = "Are invoices of galaxies a thing?" });
        Assert.DoesNotContain(notAWord.Route.Sources, s => s.Reason.StartsWith("rule:"));
    }

    [Fact]
    public async Task Named_sources_are_searched_as_named()
    {
        var response = await router.RetrieveAsync(new RetrieveRequest { Question = "Which planet has the biggest storm?", Sources = { "cooking" } });
        Assert.Equal("named by the caller", Assert.Single(response.Route.Sources).Reason);
        Assert.All(response.Passages, p => Assert.Equal("cooking", p.Source));
    }
}

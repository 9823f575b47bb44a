using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Component;

/// <summary>A test that needs a real Qdrant: skipped, with the reason, unless QDRANT_URL names one.</summary>
public sealed class QdrantLiveFactAttribute : FactAttribute
{
    public QdrantLiveFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("QDRANT_URL")))
            Skip = "QDRANT_URL is not set: no Qdrant to run against (this machine has no Qdrant binary or Docker); " +
                "the Qdrant backend is checked against Qdrant's OpenAPI description by QdrantBackendContractTests";
    }
}

/// <summary>
/// The vector service's behaviour on the Qdrant backend against a real Qdrant 1.17+ at QDRANT_URL
/// (with QDRANT_API_KEY when it wants a key): the same checks as on the in-memory backend. Each
/// test runs under tenants of its own and deletes its collections afterwards.
/// </summary>
[Collection(NonParallel.Name)]
public sealed class QdrantLiveTests : VectorSearchBehaviour
{
    private readonly string run = Guid.NewGuid().ToString("N")[..10];
    private readonly HashSet<string> tenants = [];

    protected override IDictionary<string, string?> BackendSettings
    {
        get
        {
            var key = Environment.GetEnvironmentVariable("QDRANT_API_KEY");
            return new Dictionary<string, string?>
            {
                ["VectorSearch:Backend"] = "qdrant",
                ["ConnectionStrings:qdrant_http"] = $"Endpoint={Environment.GetEnvironmentVariable("QDRANT_URL")}" + (string.IsNullOrEmpty(key) ? "" : $";Key={key}"),
                ["Tenancy:DefaultTenant"] = TenantName("default"),
            };
        }
    }

    protected override string TenantName(string tenant)
    {
        var scoped = $"{tenant}-{run}";
        lock (tenants) tenants.Add(scoped);
        return scoped;
    }

    public override async Task DisposeAsync()
    {
        foreach (var tenant in tenants.ToList())
        {
            var headers = ServiceHost.Tenant(tenant);
            foreach (var collection in (await Client.ListCollectionsAsync(new ListCollectionsRequest(), headers)).Collections)
                await Client.DeleteCollectionAsync(new DeleteCollectionRequest { Name = collection.Name }, headers);
        }
        await base.DisposeAsync();
    }

    [QdrantLiveFact]
    public Task Create_is_idempotent_for_the_same_configuration_and_refuses_a_different_one() =>
        CreateIsIdempotentForTheSameConfigurationAndRefusesADifferentOne();

    [QdrantLiveFact]
    public Task Bad_input_gets_the_right_code_and_field() => BadInputGetsTheRightCodeAndField();

    [QdrantLiveFact]
    public Task Filtered_dense_sparse_and_hybrid_results_equal_a_brute_force_reference() =>
        FilteredDenseSparseAndHybridResultsEqualABruteForceReference();

    [QdrantLiveFact]
    public Task Delete_by_filter_and_by_id_then_count() => DeleteByFilterAndByIdThenCount();

    [QdrantLiveFact]
    public Task Collections_are_scoped_by_tenant() => CollectionsAreScopedByTenant();

    [QdrantLiveFact]
    public Task Scroll_visits_every_point_once_with_its_payload_and_vectors_on_request() =>
        ScrollVisitsEveryPointOnceWithItsPayloadAndVectorsOnRequest();

    [QdrantLiveFact]
    public Task Average_document_length_follows_upserts_replacements_and_deletes() =>
        AverageDocumentLengthFollowsUpsertsReplacementsAndDeletes();
}

namespace RagPlatform.Tests.Component;

/// <summary>The behaviour checks as tests, for every backend that runs on this machine.</summary>
public abstract class VectorSearchServiceFacts : VectorSearchBehaviour
{
    [Fact]
    public Task Approximate_search_through_the_graph_finds_nearly_all_of_the_exact_results() =>
        ApproximateSearchFindsNearlyAllOfTheExactResults();

    [Fact]
    public Task Create_is_idempotent_for_the_same_configuration_and_refuses_a_different_one() =>
        CreateIsIdempotentForTheSameConfigurationAndRefusesADifferentOne();

    [Fact]
    public Task Bad_input_gets_the_right_code_and_field() => BadInputGetsTheRightCodeAndField();

    [Fact]
    public Task Filtered_dense_sparse_and_hybrid_results_equal_a_brute_force_reference() =>
        FilteredDenseSparseAndHybridResultsEqualABruteForceReference();

    [Fact]
    public Task Delete_by_filter_and_by_id_then_count() => DeleteByFilterAndByIdThenCount();

    [Fact]
    public Task Collections_are_scoped_by_tenant() => CollectionsAreScopedByTenant();

    [Fact]
    public Task Scroll_visits_every_point_once_with_its_payload_and_vectors_on_request() =>
        ScrollVisitsEveryPointOnceWithItsPayloadAndVectorsOnRequest();

    [Fact]
    public Task Average_document_length_follows_upserts_replacements_and_deletes() =>
        AverageDocumentLengthFollowsUpsertsReplacementsAndDeletes();
}

/// <summary>The vector service's behaviour on the embedded engine (the default backend).</summary>
public sealed class VectorSearchServiceTests : VectorSearchServiceFacts
{
    protected override IDictionary<string, string?> BackendSettings => new Dictionary<string, string?>();
}

/// <summary>The vector service's behaviour on the in-memory backend.</summary>
public sealed class MemoryVectorSearchServiceTests : VectorSearchServiceFacts
{
    protected override IDictionary<string, string?> BackendSettings =>
        new Dictionary<string, string?> { ["VectorSearch:Backend"] = "memory" };
}

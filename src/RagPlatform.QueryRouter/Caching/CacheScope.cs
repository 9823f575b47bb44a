using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Sources;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// What besides the question decides an answer: the tenant, the caller's access scope, the sources
/// asked for, the strategy, the models (with the registration of the fine-tuned one it may use), the
/// retrieval settings and the prompt version. Answers are shared only within one scope, so none
/// crosses tenants or access tags.
/// </summary>
public sealed record CacheScope(string Tenant, string Hash, string[] VersionKeys)
{
    /// <param name="models">What of the model registry decides the answer (see StrategyChoice.CacheIdentity).</param>
    public static CacheScope Of(string tenant, AskRequest request, string promptVersion, string models = "")
    {
        var sources = request.Sources.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var text = new StringBuilder()
            .Append("tenant=").Append(tenant)
            .Append("\naccess=").AppendJoin('\u001f', request.AccessTags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            .Append("\nsources=").AppendJoin('\u001f', sources)
            .Append("\nstrategy=").Append((int)request.Strategy)
            .Append("\ngeneration=").Append(request.GenerationModel)
            .Append("\nmodels=").Append(models)
            .Append("\nretrieval=").Append(request.Retrieval is null ? "" : Convert.ToBase64String(request.Retrieval.ToByteArray()))
            .Append("\nprompt=").Append(promptVersion);
        // Named sources: their own versions. Chosen by the router: any change to the tenant's sources may change the choice.
        string[] versionKeys = sources.Length > 0
            ? sources.Select(s => CorpusVersions.Key(tenant, s)).ToArray()
            : [CorpusVersions.TenantKey(tenant)];
        return new CacheScope(tenant, Hex(text.ToString()), versionKeys);
    }

    /// <summary>Where the exact cache keeps the answer to a normalised question in this scope.</summary>
    public string KeyOf(string normalizedQuestion) => $"ragplatform:{Tenant}:answer:{Hex(Hash + "\n" + normalizedQuestion)}";

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
}

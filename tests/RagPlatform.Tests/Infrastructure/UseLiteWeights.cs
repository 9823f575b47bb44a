using RagPlatform.Embedding.Encoders.UseLite;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// The USE-lite weights, found where the service finds them (Embedding__UseLite__ModelDirectory,
/// else the fetch script's folder). Tests that need them fail, not skip, when they are missing.
/// </summary>
public sealed class UseLiteWeights
{
    public UseLiteWeights()
    {
        Location = UseLiteModelLocation.Resolve(Environment.GetEnvironmentVariable("Embedding__UseLite__ModelDirectory"));
        if (!Location.IsPresent)
            throw new InvalidOperationException(
                $"The USE-lite weights are not in {Location.Directory}. Run deploy/models/fetch-use-lite.sh " +
                "(set RAGPLATFORM_MODELS or Embedding__UseLite__ModelDirectory to use another folder).");
        Encoder = new UseLiteEncoder(Location);
    }

    public UseLiteModelLocation Location { get; }
    public UseLiteEncoder Encoder { get; }
}

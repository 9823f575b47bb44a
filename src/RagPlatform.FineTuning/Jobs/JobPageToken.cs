using System.Text;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>
/// A page token for jobs listed newest first: the position of the last job shown (creation time
/// and id), so pages stay right while new jobs arrive.
/// </summary>
public static class JobPageToken
{
    public static string After(Job job) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{job.CreatedAt.ToDateTime().Ticks}:{job.Id}"));

    public static (long Ticks, string Id)? Parse(string token)
    {
        if (token.Length == 0) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            int colon = text.IndexOf(':');
            if (colon > 0 && long.TryParse(text[..colon], out var ticks)) return (ticks, text[(colon + 1)..]);
        }
        catch (FormatException) { }
        throw new InvalidArgumentException("page_token", "is not a token this service issued");
    }

    /// <summary>Whether <paramref name="job"/> comes after the position in newest-first order.</summary>
    public static bool IsAfter(Job job, (long Ticks, string Id) position)
    {
        long ticks = job.CreatedAt.ToDateTime().Ticks;
        return ticks < position.Ticks || ticks == position.Ticks && string.CompareOrdinal(job.Id, position.Id) < 0;
    }
}

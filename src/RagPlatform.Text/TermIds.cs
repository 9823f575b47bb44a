namespace RagPlatform.Text;

/// <summary>
/// Stable term ids: FNV-1a over the term's UTF-16 code units. The same term gets the same id in
/// every process and version, so sparse vectors written today match queries encoded tomorrow.
/// </summary>
public static class TermIds
{
    public static uint Of(ReadOnlySpan<char> term)
    {
        uint hash = 2166136261;
        foreach (char c in term)
        {
            hash = (hash ^ (byte)c) * 16777619;
            hash = (hash ^ (byte)(c >> 8)) * 16777619;
        }
        return hash;
    }
}

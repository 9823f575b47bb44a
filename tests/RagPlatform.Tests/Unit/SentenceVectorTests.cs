using System.Numerics.Tensors;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Generation.Extractive;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Tests.Unit;

/// <summary>Sentence vectors from the payload written at ingest to the cosine the answerer weighs.</summary>
public sealed class SentenceVectorTests
{
    private static readonly float[][] Rows = [[0.6f, 0.8f, 0f], [0f, 0.28f, 0.96f]];

    private static Passage PassageWith(Struct payload, int sentences = 2)
    {
        var passage = new Passage { Text = new string('x', 40), SentenceVectors = SentenceVectorPayload.Read(payload) };
        for (int s = 0; s < sentences; s++) passage.Sentences.Add(new Span { Start = (uint)s * 20, End = (uint)s * 20 + 20 });
        return passage;
    }

    private static Struct Payload(string space = "space-a") =>
        new() { Fields = { [SentenceVectorPayload.Key] = SentenceVectorPayload.Create("model-a", space, Rows) } };

    private static QueryEmbedding Query(string space, params float[] dense) => new() { Model = "model-a", EmbeddingSpace = space, Dense = { dense } };

    [Fact]
    public void Half_float_vectors_in_the_payload_give_the_cosine_of_each_sentence_with_the_question()
    {
        var passage = PassageWith(Payload());
        Assert.Equal(2 * 3 * 2, passage.SentenceVectors.Values.Length);
        Assert.Equal("model-a", passage.SentenceVectors.Model);

        float[] question = [0f, 0.6f, 0.8f];
        var similarities = SentenceSimilarity.Of(passage, [Query("other", 1f, 0f, 0f), Query("space-a", question)], "passages[0]");
        Assert.NotNull(similarities);
        for (int s = 0; s < Rows.Length; s++)
            Assert.Equal(TensorPrimitives.CosineSimilarity(question, Rows[s]), similarities[s], 0.002f);
    }

    [Fact]
    public void A_chunk_stored_without_vectors_or_a_question_of_another_space_gives_none()
    {
        Assert.Null(SentenceVectorPayload.Read(new Struct()));
        Assert.Null(SentenceSimilarity.Of(PassageWith(new Struct()), [Query("space-a", 1f, 0f, 0f)], "passages[0]"));
        Assert.Null(SentenceSimilarity.Of(PassageWith(Payload()), [Query("space-b", 1f, 0f, 0f)], "passages[0]"));
        Assert.Null(SentenceSimilarity.Of(PassageWith(Payload()), [], "passages[0]"));
    }

    [Fact]
    public void Vectors_that_do_not_match_the_sentences_are_an_invalid_argument_naming_the_field()
    {
        var error = Assert.Throws<InvalidArgumentException>(() =>
            SentenceSimilarity.Of(PassageWith(Payload(), sentences: 3), [Query("space-a", 1f, 0f, 0f)], "passages[4]"));
        Assert.Equal("passages[4].sentence_vectors.values", error.Field);
    }
}

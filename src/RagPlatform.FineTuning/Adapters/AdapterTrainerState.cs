namespace RagPlatform.FineTuning.Adapters;

/// <summary>Everything training needs to continue after an epoch: the map, the optimiser's moments, the best map so far.</summary>
public sealed class AdapterTrainerState
{
    public int Dimension { get; init; }
    public int Epoch { get; set; }
    public ulong Step { get; set; }
    public required float[] Residual { get; init; }
    public required float[] FirstMoment { get; init; }
    public required float[] SecondMoment { get; init; }
    public required float[] BestResidual { get; init; }
    public double BaselineMetric { get; set; }
    public double BestMetric { get; set; }
    public int BestEpoch { get; set; }
    public int EpochsSinceBest { get; set; }

    public static AdapterTrainerState Identity(int dimension)
    {
        int size = dimension * dimension;
        return new AdapterTrainerState
        {
            Dimension = dimension,
            Residual = new float[size], FirstMoment = new float[size], SecondMoment = new float[size], BestResidual = new float[size],
        };
    }

    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(1); // format version
            writer.Write(Dimension);
            writer.Write(Epoch);
            writer.Write(Step);
            writer.Write(BaselineMetric);
            writer.Write(BestMetric);
            writer.Write(BestEpoch);
            writer.Write(EpochsSinceBest);
            foreach (var array in new[] { Residual, FirstMoment, SecondMoment, BestResidual })
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan()));
        }
        return stream.ToArray();
    }

    public static AdapterTrainerState Deserialize(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        if (reader.ReadInt32() != 1) throw new InvalidDataException("unknown adapter checkpoint format");
        int dimension = reader.ReadInt32();
        var state = Identity(dimension);
        state.Epoch = reader.ReadInt32();
        state.Step = reader.ReadUInt64();
        state.BaselineMetric = reader.ReadDouble();
        state.BestMetric = reader.ReadDouble();
        state.BestEpoch = reader.ReadInt32();
        state.EpochsSinceBest = reader.ReadInt32();
        foreach (var array in new[] { state.Residual, state.FirstMoment, state.SecondMoment, state.BestResidual })
            reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan()));
        return state;
    }
}

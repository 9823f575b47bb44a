using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// A weight matrix [rows × columns] with its bias, stored as column panels of <see cref="PanelWidth"/>
/// so that multiplying streams each panel straight through while a block of input rows stays in
/// cache: out = input · matrix + bias, computed four rows by one panel at a time in registers.
/// A panel is two vectors wide: 32 columns where AVX-512 is there, else 16.
/// </summary>
public sealed class PackedMatrix
{
    public static readonly int PanelWidth = Vector512.IsHardwareAccelerated ? 32 : 16;
    private const int RowsPerKernel = 4;
    private const int RowsPerBlock = 64;
    // Below this many multiply-adds, a second thread costs more than it saves.
    private const long ParallelThreshold = 1L << 21;

    private readonly float[] panels;
    private readonly float[] bias;

    private PackedMatrix(int rows, int columns, float[] panels, float[] bias)
    {
        Rows = rows;
        Columns = columns;
        this.panels = panels;
        this.bias = bias;
    }

    public int Rows { get; }
    public int Columns { get; }

    public static PackedMatrix Pack(ReadOnlySpan<float> matrix, int rows, int columns, ReadOnlySpan<float> bias)
    {
        if (columns % PanelWidth != 0) throw new ArgumentException($"columns must be a multiple of {PanelWidth}", nameof(columns));
        if (matrix.Length != rows * columns || bias.Length != columns) throw new ArgumentException("shape mismatch");
        var packed = new float[rows * columns];
        int panelCount = columns / PanelWidth;
        for (int panel = 0; panel < panelCount; panel++)
            for (int row = 0; row < rows; row++)
                matrix.Slice(row * columns + panel * PanelWidth, PanelWidth)
                    .CopyTo(packed.AsSpan((panel * rows + row) * PanelWidth, PanelWidth));
        return new PackedMatrix(rows, columns, packed, bias.ToArray());
    }

    /// <summary>output[m × Columns] = input[m × Rows] · this + bias; on one thread unless <paramref name="parallel"/> and the product is large.</summary>
    public void Multiply(float[] input, int m, float[] output, bool parallel = true)
    {
        if (input.Length < m * Rows || output.Length < m * Columns) throw new ArgumentException("buffers too small");
        int blocks = (m + RowsPerBlock - 1) / RowsPerBlock;
        int panelCount = Columns / PanelWidth;
        int tiles = blocks * panelCount;
        if (!parallel || (long)m * Rows * Columns < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            for (int tile = 0; tile < tiles; tile++) MultiplyTile(input, m, output, tile / panelCount, tile % panelCount);
            return;
        }
        // Tiles in row-block order: neighbouring tiles share their block of input rows.
        Parallel.For(0, tiles, tile => MultiplyTile(input, m, output, tile / panelCount, tile % panelCount));
    }

    private void MultiplyTile(float[] input, int m, float[] output, int block, int panel)
    {
        int first = block * RowsPerBlock;
        int last = Math.Min(m, first + RowsPerBlock);
        int row = first;
        if (PanelWidth == 32)
        {
            for (; row + RowsPerKernel <= last; row += RowsPerKernel) Kernel4Wide(input, row, output, panel);
            for (; row < last; row++) Kernel1Wide(input, row, output, panel);
            return;
        }
        for (; row + RowsPerKernel <= last; row += RowsPerKernel) Kernel4(input, row, output, panel);
        for (; row < last; row++) Kernel1(input, row, output, panel);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Kernel4(float[] input, int row, float[] output, int panel)
    {
        int k = Rows;
        ref float a = ref MemoryMarshal.GetArrayDataReference(input);
        ref float b = ref MemoryMarshal.GetArrayDataReference(panels);
        ref float biasStart = ref MemoryMarshal.GetArrayDataReference(bias);
        nuint column = (nuint)(panel * 16);
        var bias0 = Vector256.LoadUnsafe(ref biasStart, column);
        var bias1 = Vector256.LoadUnsafe(ref biasStart, column + 8);
        Vector256<float> c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1, c30 = bias0, c31 = bias1;
        nuint a0 = (nuint)(row * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
        nuint bp = (nuint)(panel * k * 16);
        for (nuint p = 0; p < (nuint)k; p++, bp += 16)
        {
            var b0 = Vector256.LoadUnsafe(ref b, bp);
            var b1 = Vector256.LoadUnsafe(ref b, bp + 8);
            var x = Vector256.Create(Unsafe.Add(ref a, a0 + p));
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a, a1 + p));
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a, a2 + p));
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a, a3 + p));
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        ref float c = ref MemoryMarshal.GetArrayDataReference(output);
        nuint n = (nuint)Columns;
        nuint o = (nuint)row * n + column;
        c00.StoreUnsafe(ref c, o); c01.StoreUnsafe(ref c, o + 8); o += n;
        c10.StoreUnsafe(ref c, o); c11.StoreUnsafe(ref c, o + 8); o += n;
        c20.StoreUnsafe(ref c, o); c21.StoreUnsafe(ref c, o + 8); o += n;
        c30.StoreUnsafe(ref c, o); c31.StoreUnsafe(ref c, o + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Kernel1(float[] input, int row, float[] output, int panel)
    {
        int k = Rows;
        ref float a = ref MemoryMarshal.GetArrayDataReference(input);
        ref float b = ref MemoryMarshal.GetArrayDataReference(panels);
        nuint column = (nuint)(panel * 16);
        var c0 = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(bias), column);
        var c1 = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(bias), column + 8);
        nuint a0 = (nuint)(row * k);
        nuint bp = (nuint)(panel * k * 16);
        for (nuint p = 0; p < (nuint)k; p++, bp += 16)
        {
            var x = Vector256.Create(Unsafe.Add(ref a, a0 + p));
            c0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b, bp), c0);
            c1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b, bp + 8), c1);
        }
        ref float c = ref MemoryMarshal.GetArrayDataReference(output);
        nuint o = (nuint)row * (nuint)Columns + column;
        c0.StoreUnsafe(ref c, o);
        c1.StoreUnsafe(ref c, o + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Kernel4Wide(float[] input, int row, float[] output, int panel)
    {
        int k = Rows;
        ref float a = ref MemoryMarshal.GetArrayDataReference(input);
        ref float b = ref MemoryMarshal.GetArrayDataReference(panels);
        ref float biasStart = ref MemoryMarshal.GetArrayDataReference(bias);
        nuint column = (nuint)(panel * 32);
        var bias0 = Vector512.LoadUnsafe(ref biasStart, column);
        var bias1 = Vector512.LoadUnsafe(ref biasStart, column + 16);
        Vector512<float> c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1, c30 = bias0, c31 = bias1;
        nuint a0 = (nuint)(row * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
        nuint bp = (nuint)(panel * k * 32);
        for (nuint p = 0; p < (nuint)k; p++, bp += 32)
        {
            var b0 = Vector512.LoadUnsafe(ref b, bp);
            var b1 = Vector512.LoadUnsafe(ref b, bp + 16);
            var x = Vector512.Create(Unsafe.Add(ref a, a0 + p));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref a, a1 + p));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref a, a2 + p));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref a, a3 + p));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }
        ref float c = ref MemoryMarshal.GetArrayDataReference(output);
        nuint n = (nuint)Columns;
        nuint o = (nuint)row * n + column;
        c00.StoreUnsafe(ref c, o); c01.StoreUnsafe(ref c, o + 16); o += n;
        c10.StoreUnsafe(ref c, o); c11.StoreUnsafe(ref c, o + 16); o += n;
        c20.StoreUnsafe(ref c, o); c21.StoreUnsafe(ref c, o + 16); o += n;
        c30.StoreUnsafe(ref c, o); c31.StoreUnsafe(ref c, o + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Kernel1Wide(float[] input, int row, float[] output, int panel)
    {
        int k = Rows;
        ref float a = ref MemoryMarshal.GetArrayDataReference(input);
        ref float b = ref MemoryMarshal.GetArrayDataReference(panels);
        nuint column = (nuint)(panel * 32);
        var c0 = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(bias), column);
        var c1 = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(bias), column + 16);
        nuint a0 = (nuint)(row * k);
        nuint bp = (nuint)(panel * k * 32);
        for (nuint p = 0; p < (nuint)k; p++, bp += 32)
        {
            var x = Vector512.Create(Unsafe.Add(ref a, a0 + p));
            c0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref b, bp), c0);
            c1 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref b, bp + 16), c1);
        }
        ref float c = ref MemoryMarshal.GetArrayDataReference(output);
        nuint o = (nuint)row * (nuint)Columns + column;
        c0.StoreUnsafe(ref c, o);
        c1.StoreUnsafe(ref c, o + 16);
    }
}

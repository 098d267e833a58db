using System.Runtime.InteropServices;

namespace TokenClean.Scoring.Native;

/// <summary>P/Invoke surface of <c>native/tc_nn.h</c>: decoder building blocks.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "tc_nn_set_fused")]
    internal static partial void NnSetFused(int on);

    [LibraryImport(Library, EntryPoint = "tc_nn_get_fused")]
    internal static partial int NnGetFused();

    [LibraryImport(Library, EntryPoint = "tc_nn_embedding")]
    internal static partial IntPtr NnEmbedding(IntPtr weight, IntPtr ids);

    [LibraryImport(Library, EntryPoint = "tc_nn_linear")]
    internal static partial IntPtr NnLinear(IntPtr x, IntPtr weight, IntPtr bias);

    [LibraryImport(Library, EntryPoint = "tc_nn_rms_norm")]
    internal static partial IntPtr NnRmsNorm(IntPtr x, IntPtr weight, double eps);

    [LibraryImport(Library, EntryPoint = "tc_nn_layer_norm")]
    internal static partial IntPtr NnLayerNorm(IntPtr x, IntPtr weight, IntPtr bias, double eps);

    [LibraryImport(Library, EntryPoint = "tc_nn_rotary")]
    internal static partial IntPtr NnRotary(IntPtr x, IntPtr cos, IntPtr sin);

    [LibraryImport(Library, EntryPoint = "tc_nn_rotary_")]
    internal static partial int NnRotaryInPlace(IntPtr x, IntPtr cosTable, IntPtr sinTable, IntPtr positions);

    [LibraryImport(Library, EntryPoint = "tc_nn_swiglu")]
    internal static partial IntPtr NnSwiGlu(IntPtr gateUp);

    [LibraryImport(Library, EntryPoint = "tc_nn_linear_add_")]
    internal static partial int NnLinearAddInPlace(IntPtr h, IntPtr x, IntPtr weight, IntPtr bias);

    [LibraryImport(Library, EntryPoint = "tc_nn_silu")]
    internal static partial IntPtr NnSilu(IntPtr x);

    [LibraryImport(Library, EntryPoint = "tc_nn_gelu_tanh")]
    internal static partial IntPtr NnGeluTanh(IntPtr x);

    [LibraryImport(Library, EntryPoint = "tc_nn_softmax")]
    internal static partial IntPtr NnSoftmax(IntPtr x, long dim);

    [LibraryImport(Library, EntryPoint = "tc_nn_log_softmax")]
    internal static partial IntPtr NnLogSoftmax(IntPtr x, long dim);

    [LibraryImport(Library, EntryPoint = "tc_nn_attention_padded")]
    internal static partial IntPtr NnAttentionPadded(IntPtr q, IntPtr k, IntPtr v, long batch, double scale, long window);

    [LibraryImport(Library, EntryPoint = "tc_nn_attention_packed")]
    internal static unsafe partial IntPtr NnAttentionPacked(IntPtr q, IntPtr k, IntPtr v, long* cuSeqlens, int count, double scale, long window);

    [LibraryImport(Library, EntryPoint = "tc_nn_cross_entropy")]
    internal static partial IntPtr NnCrossEntropy(IntPtr logits, IntPtr targets);
}

import CPictureMemory

/// Where decoded pictures live: in mappings of their own, pooled per decoder, outside malloc's
/// heaps (see Sources/CPictureMemory), so the memory of decoders made and freed at every cut and
/// reconnect goes back to the system instead of settling into the heaps.
public enum PictureMemory {
    /// Bytes mapped for decoded pictures in this process now, across every decoder.
    public static var mappedBytes: Int { Int(picture_memory_mapped_bytes()) }
}

#ifndef PICTURE_MEMORY_H
#define PICTURE_MEMORY_H
#include <stdint.h>
#include <libavcodec/avcodec.h>

/// Decoded pictures in memory mapped for them alone, outside malloc's heaps.
///
/// A decoder's picture buffers are a few megabytes each and come and go with the decoder (at
/// every cut and reconnect). Taken from malloc they settle into its heaps, where a later block
/// of another size reuses the space and what it does not write stays resident: the process's
/// memory creeps up over hours although what is in use does not. Mapped on their own, each
/// buffer is resident only where written and goes back to the system when its last frame lets
/// go of it. Within one decoder the buffers are pooled (one pool per plane), as libavcodec's own
/// allocator pools them, so a running decoder maps nothing new per picture; unlike libavcodec's
/// pools they do not keep their highest count for the decoder's life: buffers that no picture
/// needed for a while (a burst held behind a slow encoder, then let go) are unmapped.

/// Makes `context` (a video decoder, before avcodec_open2) take its pictures from mapped pools.
/// Returns 0, or a negative AVERROR. The pools are released by `picture_memory_release`.
int picture_memory_attach(AVCodecContext *context);

/// Releases the pools of a context freed since; buffers still held by frames are unmapped
/// when those frames let go of them. `opaque` is the context's `opaque` as it was.
void picture_memory_release(void *opaque);

/// Bytes mapped for pictures in this process now (all decoders).
int64_t picture_memory_mapped_bytes(void);

#endif

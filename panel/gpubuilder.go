package panel

import (
	"sync"
	"sync/atomic"
)

// gpuBuilder zips each rig's per-GPU lists into GPUs on a goroutine of its
// own, while the decoder reads the next rigs. Parsing the lists took about
// a fifth of the time to decode the generated 5,000-rig panel, so with a
// core to spare the panel decodes that much sooner. Rigs are handed over in
// batches, because a channel operation per rig would cost more than it
// saves. Below minConcurrentBytes of input the builder zips each rig at
// once instead, because for a small panel waking another thread costs
// about as much as the work it would take over.
//
// The decoder must call wait before it reads or moves any rig handed over,
// and stop when it is done, whatever the outcome.
type gpuBuilder struct {
	// concurrent is set when the rigs are zipped on the builder's goroutine.
	concurrent bool
	// handed counts the rigs handed over, built those whose GPUs are set.
	handed int64
	built  atomic.Int64

	batch   []gpuJob
	jobs    chan []gpuJob
	pending sync.WaitGroup
	exited  chan struct{}

	// The rest is used only by the builder's goroutine once it has started.
	strings *interner
	// slab is carved into each rig's GPUs, one allocation for many rigs.
	// slabSize is the size of the last slab allocated.
	slab     []GPU
	slabSize int
}

// gpuJob is one rig whose GPUs are to be built from its lists.
type gpuJob struct {
	rig      *Rig
	lists    gpuLists
	detected Opt[int]
}

// gpuBatchRigs is how many rigs are handed over at a time.
const gpuBatchRigs = 32

// minConcurrentBytes is the input size from which the GPUs are built on a
// goroutine of their own: about 600 rigs of 8 GPUs.
const minConcurrentBytes = 1 << 20

// newGPUBuilder returns a builder for an input of inputBytes.
func newGPUBuilder(inputBytes int) gpuBuilder {
	return gpuBuilder{concurrent: inputBytes >= minConcurrentBytes}
}

// add hands a rig over. Its GPUs are set by the time wait returns.
func (b *gpuBuilder) add(job gpuJob) {
	b.handed++
	if !b.concurrent {
		if b.strings == nil {
			b.strings = newInterner()
		}
		job.rig.GPUs = job.lists.zip(b.allocGPUs, job.detected, b.strings)
		b.built.Add(1)
		return
	}
	if b.batch == nil {
		b.batch = make([]gpuJob, 0, gpuBatchRigs)
	}
	b.batch = append(b.batch, job)
	if len(b.batch) == gpuBatchRigs {
		b.flush()
	}
}

func (b *gpuBuilder) flush() {
	if len(b.batch) == 0 {
		return
	}
	if b.jobs == nil {
		b.strings = newInterner()
		b.jobs = make(chan []gpuJob, 4)
		b.exited = make(chan struct{})
		go b.run()
	}
	b.pending.Add(1)
	b.jobs <- b.batch
	b.batch = nil
}

func (b *gpuBuilder) run() {
	defer close(b.exited)
	for batch := range b.jobs {
		for i := range batch {
			job := &batch[i]
			job.rig.GPUs = job.lists.zip(b.allocGPUs, job.detected, b.strings)
		}
		b.built.Add(int64(len(batch)))
		b.pending.Done()
	}
}

// wait returns once every rig handed over has its GPUs.
func (b *gpuBuilder) wait() {
	b.flush()
	b.pending.Wait()
}

// stop ends the builder's goroutine.
func (b *gpuBuilder) stop() {
	if b.jobs == nil {
		return
	}
	close(b.jobs)
	<-b.exited
	b.jobs = nil
}

// GPU slabs start small for small farms and double up to maxGPUSlab.
const (
	minGPUSlab = 64
	maxGPUSlab = 1024
)

// allocGPUs returns n zeroed GPUs cut from the builder's slab. The slice's
// capacity is n, so appending to one rig's GPUs can never overwrite the
// next rig's.
func (b *gpuBuilder) allocGPUs(n int) []GPU {
	if n > len(b.slab) {
		b.slabSize = min(max(2*b.slabSize, minGPUSlab), maxGPUSlab)
		b.slab = make([]GPU, max(b.slabSize, n))
	}
	gpus := b.slab[:n:n]
	b.slab = b.slab[n:]
	return gpus
}

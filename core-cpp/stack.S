# Sets (and reads) this instance's __stack_pointer. Every instance of the module over one
# shared memory starts with the same value, so each worker moves its own stack
# to a region the main thread allocated for it, before running anything else.
.globl wj_set_stack
.globaltype __stack_pointer, i32
wj_set_stack:
  .functype wj_set_stack(i32) -> ()
  local.get 0
  global.set __stack_pointer
  end_function

# The host saves it around a call, to restore it when a trap unwinds the call.
.globl wj_get_stack
wj_get_stack:
  .functype wj_get_stack() -> (i32)
  global.get __stack_pointer
  end_function

# Which thread of the pool this instance runs (0: the calling thread, whose instance keeps the
# initial value; workers set theirs once): a wasm global, one per instance, so per thread.
.globaltype wj_thread_global, i32
wj_thread_global:

.globl wj_set_thread
wj_set_thread:
  .functype wj_set_thread(i32) -> ()
  local.get 0
  global.set wj_thread_global
  end_function

.globl wj_get_thread
wj_get_thread:
  .functype wj_get_thread() -> (i32)
  global.get wj_thread_global
  end_function

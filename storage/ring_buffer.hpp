// A growable FIFO ring: push at the back, pop at the front, index from the
// front. Unlike std::deque it never allocates in steady state (it keeps its
// largest capacity), which matters on the per-request path. The owner gives
// the capacity back when it knows the peak is over (shrink_to, release).
#pragma once

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace tickgate::storage {

template <class T>
class ring_buffer {
public:
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return slots_.size(); }

  T& operator[](std::size_t i) noexcept {
    assert(i < size_);
    return slots_[(head_ + i) & (slots_.size() - 1)];
  }
  const T& operator[](std::size_t i) const noexcept {
    assert(i < size_);
    return slots_[(head_ + i) & (slots_.size() - 1)];
  }
  T& front() noexcept { return (*this)[0]; }
  T& back() noexcept { return (*this)[size_ - 1]; }

  T& push_back(T value) {
    if (size_ == slots_.size()) grow();
    T& slot = slots_[(head_ + size_) & (slots_.size() - 1)];
    slot = std::move(value);
    ++size_;
    return slot;
  }

  // Precondition: !empty(). The slot is reset to T{} so it holds no resources.
  void pop_front() noexcept {
    assert(size_ > 0);
    slots_[head_] = T{};
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }

  void clear() noexcept {
    while (size_ > 0) pop_front();
    head_ = 0;
  }

  // Precondition: empty(). Frees the storage.
  void release() noexcept {
    assert(size_ == 0);
    std::vector<T>().swap(slots_);
    head_ = 0;
  }

  // Reallocates to `capacity` slots (a power of two, at least size()),
  // keeping the elements in order: references into the ring are invalidated.
  void shrink_to(std::size_t capacity) {
    assert(capacity >= size_ && capacity != 0 && (capacity & (capacity - 1)) == 0);
    if (capacity >= slots_.size()) return;
    move_to(capacity);
  }

private:
  void grow() { move_to(slots_.empty() ? 16 : slots_.size() * 2); }

  void move_to(std::size_t capacity) {
    std::vector<T> other(capacity);
    for (std::size_t i = 0; i < size_; ++i) other[i] = std::move((*this)[i]);
    slots_ = std::move(other);
    head_ = 0;
  }

  std::vector<T> slots_;  // size is zero or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace tickgate::storage

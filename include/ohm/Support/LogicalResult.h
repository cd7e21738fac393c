//===- LogicalResult.h - Success or failure of an operation -----*- C++ -*-===//
//
// A tiny value type that says whether something worked. Diagnostics carry the
// "why"; this only carries the "whether", so it is cheap to return from every
// verifier, parser routine and pass.
//
//===----------------------------------------------------------------------===//

#ifndef OHM_SUPPORT_LOGICALRESULT_H
#define OHM_SUPPORT_LOGICALRESULT_H

namespace ohm {

/// The result of an operation that can fail. Failures are reported through
/// the diagnostic engine before a failure result is returned.
class [[nodiscard]] LogicalResult {
public:
  static LogicalResult success(bool isSuccess = true) {
    return LogicalResult(isSuccess);
  }
  static LogicalResult failure(bool isFailure = true) {
    return LogicalResult(!isFailure);
  }
  bool succeeded() const { return isSuccess; }
  bool failed() const { return !isSuccess; }

private:
  explicit LogicalResult(bool isSuccess) : isSuccess(isSuccess) {}
  bool isSuccess;
};

inline LogicalResult success(bool isSuccess = true) {
  return LogicalResult::success(isSuccess);
}
inline LogicalResult failure(bool isFailure = true) {
  return LogicalResult::failure(isFailure);
}
inline bool succeeded(LogicalResult result) { return result.succeeded(); }
inline bool failed(LogicalResult result) { return result.failed(); }

} // namespace ohm

#endif // OHM_SUPPORT_LOGICALRESULT_H

// All outputs of one command, committed together: each output is written to a temporary sibling and
// renamed into place only when the command commits, so a failure or an interrupt leaves every target as
// it was. Targets that are neither absent, a regular file (for files) nor a folder this tool wrote (for
// folders) are refused before anything is written (docs/reliability.md).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sysmt {

class OutputSet {
 public:
  OutputSet() = default;
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;
  // Removes every temporary that was not committed.
  ~OutputSet();

  // Declares an output file and returns the temporary path to write it to. A symbolic link to a regular
  // file is written through (the link stays). InputError when the target names a folder, a special file
  // (FIFO, device, socket), a dangling link, when its folder does not exist or is not writable, or when
  // the same file was already declared (two options naming one file, however spelled).
  std::filesystem::path file(const std::filesystem::path& target);

  // Declares an output folder and returns an empty temporary folder to fill. The target must be absent,
  // empty, or recognised by `ours` as a folder this tool wrote earlier (for example by its manifest);
  // InputError otherwise. Missing parent folders are created.
  std::filesystem::path folder(const std::filesystem::path& target, const std::function<bool(const std::filesystem::path&)>& ours);

  // The same for outputs without a proof of origin of their own: the target must be absent, empty, or hold
  // `marker` (a file this tool leaves in every folder it writes); the marker is written into the temporary.
  std::filesystem::path folder(const std::filesystem::path& target, const std::string& marker);

  // Drops a declared output that could not be produced (an optional plot), named by the temporary file()
  // or folder() returned: the temporary is removed and commit() leaves the target as it was.
  void discard(const std::filesystem::path& temp);

  // The final path of an output declared with file() or folder() (for messages).
  const std::filesystem::path& target_of(const std::filesystem::path& temp) const;

  // Renames every temporary into place (folders replace the old folder; a replaced file keeps its
  // permission bits). Call once, after every output was written successfully.
  void commit();

 private:
  struct Entry {
    std::filesystem::path target, temp;
    bool is_folder = false;
  };
  std::vector<Entry> entries_;
  bool committed_ = false;
};

// A recogniser for OutputSet::folder: the folder holds a regular file named `marker`.
std::function<bool(const std::filesystem::path&)> has_marker(const std::string& marker);

// Writes `content` to `path` through a temporary in the same folder and a rename (one-file commands).
// Same refusals as OutputSet::file.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Plain write of `content` to `path` (for temporaries handed out by OutputSet); InputError naming the
// file on failure (for example a full disk).
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace sysmt

// How long work below cli/ tells the caller how far it has got (docs/design.md "Interfaces users
// meet": long work shows progress). numerics/, validators/ and experiments/ never print: a long
// loop takes a ProgressFn (possibly empty: then nothing happens) and reports events; cli/progress
// decides whether and how to show them (a redrawn terminal line, a plain log line every few
// seconds, or nothing with --quiet). Reporting is cheap; the receiver throttles.
#pragma once
#include <functional>
#include <string>
#include <utility>

namespace villani {

struct ProgressEvent {
  enum class Kind {
    Update,  ///< `done` of `total` `unit`s of `task` finished (the receiver may drop it)
    Note,    ///< a line worth keeping ("expected about 40 s"); `task` holds the text
    End,     ///< the work reported so far is over: take the live line away (output follows)
  };
  Kind kind = Kind::Update;
  std::string task;    ///< what is being done: "[sgld λ=0.1]", "hvp: gradient"; a new task restarts the rate
  long done = 0;       ///< units finished
  long total = 0;      ///< units in all (0: unknown)
  std::string unit;    ///< singular: "step", "box", "point", "rep" (rate shown as units/s)
  std::string detail;  ///< free text after the count: "loss 3.2104"
  bool budget = false; ///< total is an upper limit (a box budget): the time left is "at most"
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

/// Reports `done`/`total` units of `task` (nothing when `f` is empty).
inline void progress_update(const ProgressFn& f, std::string task, long done, long total, std::string unit,
                            std::string detail = {}, bool budget = false) {
  if (!f) return;
  ProgressEvent e;
  e.budget = budget;
  e.task = std::move(task);
  e.done = done;
  e.total = total;
  e.unit = std::move(unit);
  e.detail = std::move(detail);
  f(e);
}

/// Reports a line worth keeping (nothing when `f` is empty).
inline void progress_note(const ProgressFn& f, std::string text) {
  if (!f) return;
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::Note;
  e.task = std::move(text);
  f(e);
}

/// Ends the live line before the caller prints (nothing when `f` is empty).
inline void progress_end(const ProgressFn& f) {
  if (!f) return;
  ProgressEvent e;
  e.kind = ProgressEvent::Kind::End;
  f(e);
}

}  // namespace villani

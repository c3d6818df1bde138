// Package tasks holds what every task type shares: the Task a handler receives,
// the Handler interface, the data lake (a gocloud.dev/blob bucket with a fixed,
// validated key layout) and the Output value a task returns as its XCom.
//
// Built-in task types live in sub-packages (tasks/scrape, tasks/classify,
// tasks/render); users implement Handler for their own types and register them
// with worker.Worker.Handle.
package tasks

package classify_test

import (
	"fmt"

	"github.com/dagworker/dagworker/tasks/classify"
)

// The embedded demo model is always in the registry.
func ExampleListModels() {
	models, err := classify.ListModels("")
	if err != nil {
		panic(err)
	}
	for _, m := range models {
		fmt.Println(m.Name, m.Pipeline, m.Labels)
	}
	// Output: demo-sentiment text_classification [NEGATIVE POSITIVE]
}

// A handler for the worker: register it as the "classify" task type.
func ExampleNew() {
	h, err := classify.New(classify.Config{ModelsDir: "models"})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	fmt.Println(classify.ArgNames()[0])
	// Output: model
}

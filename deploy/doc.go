// Package deploy holds the deployment files (the image, Docker Compose,
// Kubernetes) and the tests that check they decode strictly into the types
// of the tools that read them and agree with each other: every probe names a
// declared port, every queue a scaler watches is served by the Deployment it
// scales, every queue the coordinator routes to has workers.
package deploy

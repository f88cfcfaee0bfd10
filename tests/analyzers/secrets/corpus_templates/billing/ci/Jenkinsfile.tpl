pipeline {
  agent any
  environment {
    REGISTRY_CREDS = credentials('registry-ci')
    SONAR_TOKEN = '⟦hexsecret⟧'
    GIT_COMMIT_SHORT = "${env.GIT_COMMIT[0..7]}"
  }
  stages {
    stage('build') {
      steps {
        sh './gradlew build -x test'
        sh 'docker login -u ci -p ⟦password⟧ registry.internal'
      }
    }
    stage('notify') {
      steps {
        sh "curl -X POST -d @payload.json ⟦slack_hook⟧"
      }
    }
  }
}
